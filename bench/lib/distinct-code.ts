/**
 * Work spread over many small functions, each its own machine code: the code-size calibration's
 * extra per request. Generated, because the point is many distinct bodies (constants differ, so V8
 * shares nothing between them), called through one call site that V8 cannot inline them into.
 */
export const DISTINCT_FUNCTIONS = 60

/** The micro benchmark's row timing distinctCode()'s function in process. */
export const CODE_CALIBRATION_ROW = `calibration: ${DISTINCT_FUNCTIONS} distinct functions (optimum-plus-code's extra)`

export function distinctCode (count = DISTINCT_FUNCTIONS): () => number {
  const functions: Array<(x: number) => number> = []
  for (let i = 0; i < count; i++) {
    const k = (n: number): number => (i * 7919 + n * 104729) & 0xffff
    functions.push(new Function('x', `let a = x ^ ${k(1)}
      if ((a & ${k(2) | 1}) === 0) a = (a * ${k(3)}) | 0; else a = (a + ${k(4)}) | 0
      a = (a << 3) ^ (a >>> 5) ^ ${k(5)}
      if (a > ${k(6)}) a -= ${k(7)}; else a += ${k(8)}
      return Math.imul(a, ${k(9) | 1}) ^ ${k(10)}`) as (x: number) => number)
  }
  let state = 0
  return () => {
    let a = state
    for (let i = 0; i < functions.length; i++) a = (functions[i] as (x: number) => number)(a)
    state = a
    return a
  }
}
