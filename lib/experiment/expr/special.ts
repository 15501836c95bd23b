/**
 * Special functions Python's math module has and JS lacks: gamma and lgamma (Lanczos
 * approximation, with the coefficient set CPython uses), erf and erfc (power series near 0,
 * continued fraction further out), and sin(πx) with exact argument reduction.
 */
import { PyError } from "./values";

const domain = () => new PyError("ValueError", "math domain error");
const range = () => new PyError("OverflowError", "math range error");

const LANCZOS_G = 6.024680040776729583740234375;
const LANCZOS_G_MINUS_HALF = 5.524680040776729583740234375;
const LANCZOS_NUM = [
  23531376880.41075968857200767445163675473484680494,
  42919803642.649098768957899047001988850926355848959,
  35711959237.355668049440185451547166705960488635843,
  17921034426.03720969991975575445893111267140326539,
  6039542586.3520280050642916443072979210699388420708,
  1439720407.3117216736632230727949123939715485786772,
  248874557.86205415651146038641322942321632125127801,
  31426415.58540019438061423162831820536287468498764,
  2876370.6289353724412254090516208496135991145378768,
  186056.26539522349504029498971604569928220784236328,
  8071.6720023658162106380029022722506138218516325024,
  210.82427775157934587250973392071336271166969580291,
  2.5066282746310002701649081771338373386264310793408,
];
/** Coefficients of x·(x+1)·…·(x+11), lowest power first. */
const LANCZOS_DEN = [
  0.0, 39916800.0, 120543840.0, 150917976.0, 105258076.0, 45995730.0, 13339535.0, 2637558.0,
  357423.0, 32670.0, 1925.0, 66.0, 1.0,
];

/** The rational function num(x)/den(x); for large x evaluated in powers of 1/x so nothing overflows. */
function lanczosSum(x: number): number {
  let num = 0;
  let den = 0;
  if (x < 5) {
    for (let i = LANCZOS_NUM.length - 1; i >= 0; i--) {
      num = num * x + LANCZOS_NUM[i];
      den = den * x + LANCZOS_DEN[i];
    }
  } else {
    for (let i = 0; i < LANCZOS_NUM.length; i++) {
      num = num / x + LANCZOS_NUM[i];
      den = den / x + LANCZOS_DEN[i];
    }
  }
  return num / den;
}

/** sin(πx), exact at integers and half-integers. */
export function sinpi(x: number): number {
  const y = Math.abs(x) % 2;
  const n = Math.round(2 * y);
  let r: number;
  switch (n) {
    case 0:
      r = Math.sin(Math.PI * y);
      break;
    case 1:
      r = Math.cos(Math.PI * (y - 0.5));
      break;
    case 2:
      r = Math.sin(Math.PI * (1 - y));
      break;
    case 3:
      r = -Math.cos(Math.PI * (y - 1.5));
      break;
    default:
      r = Math.sin(Math.PI * (y - 2));
  }
  return x < 0 ? -r : r;
}

/** Γ(x) at the positive integers 1…23, where it is exactly representable. */
const GAMMA_INTEGRAL = Array.from({ length: 23 }, (_, i) => {
  let f = 1;
  for (let k = 2; k <= i; k++) f *= k;
  return f;
});

export function gamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) {
    if (x > 0) return x;
    throw domain();
  }
  if (x === 0) throw domain();
  if (Number.isInteger(x)) {
    if (x < 0) throw domain();
    if (x <= GAMMA_INTEGRAL.length) return GAMMA_INTEGRAL[x - 1];
  }
  const absx = Math.abs(x);
  if (absx < 1e-20) {
    const r = 1 / x;
    if (!Number.isFinite(r)) throw range();
    return r;
  }
  if (absx > 200) {
    if (x < 0) return 0 / sinpi(x);
    throw range();
  }
  const y = absx + LANCZOS_G_MINUS_HALF;
  // y is rounded; z corrects for the lost part, scaled as in the expansion of pow(y, x-0.5)/exp(y)
  let z: number;
  if (absx > LANCZOS_G_MINUS_HALF) {
    const q = y - absx;
    z = q - LANCZOS_G_MINUS_HALF;
  } else {
    const q = y - LANCZOS_G_MINUS_HALF;
    z = q - absx;
  }
  z = (z * LANCZOS_G) / y;
  let r: number;
  if (x < 0) {
    r = ((-Math.PI / sinpi(absx) / absx) * Math.exp(y)) / lanczosSum(absx);
    r -= z * r;
    if (absx < 140) {
      r /= y ** (absx - 0.5);
    } else {
      const sqrtpow = y ** (absx / 2 - 0.25);
      r /= sqrtpow;
      r /= sqrtpow;
    }
  } else {
    r = lanczosSum(absx) / Math.exp(y);
    r += z * r;
    if (absx < 140) {
      r *= y ** (absx - 0.5);
    } else {
      const sqrtpow = y ** (absx / 2 - 0.25);
      r *= sqrtpow;
      r *= sqrtpow;
    }
  }
  if (!Number.isFinite(r)) throw range();
  return r;
}

export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return Infinity;
  if (Number.isInteger(x) && x <= 2) {
    if (x <= 0) throw domain();
    return 0;
  }
  const absx = Math.abs(x);
  if (absx < 1e-20) return -Math.log(absx);
  let r = Math.log(lanczosSum(absx)) - LANCZOS_G;
  r += (absx - 0.5) * (Math.log(absx + LANCZOS_G - 0.5) - 1);
  if (x < 0) r = Math.log(Math.PI) - Math.log(Math.abs(sinpi(absx))) - Math.log(absx) - r;
  if (!Number.isFinite(r)) throw range();
  return r;
}

const SQRT_PI = 1.772453850905516027298167483341145182798;
const ERF_SERIES_CUTOFF = 1.5;
const ERF_SERIES_TERMS = 25;
const ERFC_CONTFRAC_CUTOFF = 30;
const ERFC_CONTFRAC_TERMS = 50;

/** erf(x) = 2/√π·exp(−x²)·Σ 2ⁿx²ⁿ⁺¹/(1·3·…·(2n+1)), summed innermost-first. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let acc = 0;
  let fk = ERF_SERIES_TERMS + 0.5;
  for (let i = 0; i < ERF_SERIES_TERMS; i++) {
    acc = 2 + (x2 * acc) / fk;
    fk -= 1;
  }
  return (acc * x * Math.exp(-x2)) / SQRT_PI;
}

/** erfc(x) for x > 0 by the continued fraction x·exp(−x²)/√π / (x² + ½/(1 + 1/(x² + 3/2/(1 + …)))). */
function erfcContinuedFraction(x: number): number {
  if (x >= ERFC_CONTFRAC_CUTOFF) return 0;
  const x2 = x * x;
  let a = 0;
  let da = 0.5;
  let p = 1;
  let pLast = 0;
  let q = da + x2;
  let qLast = 1;
  for (let i = 0; i < ERFC_CONTFRAC_TERMS; i++) {
    a += da;
    da += 2;
    const b = da + x2;
    [p, pLast] = [b * p - a * pLast, p];
    [q, qLast] = [b * q - a * qLast, q];
  }
  return ((p / q) * x * Math.exp(-x2)) / SQRT_PI;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const absx = Math.abs(x);
  if (absx < ERF_SERIES_CUTOFF) return erfSeries(x);
  const cf = erfcContinuedFraction(absx);
  return x > 0 ? 1 - cf : cf - 1;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const absx = Math.abs(x);
  if (absx < ERF_SERIES_CUTOFF) return 1 - erfSeries(x);
  const cf = erfcContinuedFraction(absx);
  return x > 0 ? cf : 2 - cf;
}
