/* Copyright 2016 Brian Smith.
 *
 * Permission to use, copy, modify, and/or distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY
 * SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION
 * OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN
 * CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE. */

#include "./p256_shared.h"

#include "../../limbs/limbs.h"
#include "../../limbs/limbs.inl"

#if !defined(OPENSSL_USE_NISTZ256)

typedef Limb ScalarMont[P256_LIMBS];
typedef Limb Scalar[P256_LIMBS];

#include "../bn/internal.h"

static const BN_ULONG N[P256_LIMBS] = {
#if defined(OPENSSL_64_BIT)
  0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000
#else
  0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0,
  0xffffffff
#endif
};

static const BN_ULONG N_N0[] = {
  BN_MONT_CTX_N0(0xccd1c8aa, 0xee00bc4f)
};

void p256_scalar_mul_mont(ScalarMont r, const ScalarMont a,
                              const ScalarMont b) {
  /* XXX: Inefficient. TODO: optimize with dedicated multiplication routine. */
  bn_mul_mont_small(r, a, b, N, N_N0, P256_LIMBS);
}

/* Session Lab: a variable-time inverse for ring's
 * |scalar_inv_to_mont_vartime| TODO.
 *
 * p256_scalar_inv_vartime sets |r| to |a|**-1 (mod n), not in Montgomery form,
 * by the binary extended Euclidean algorithm. |a| must be in [1, n). It runs in
 * variable time: only for signature verification, where |a| is public. */
static int scalar_is_one(const Limb a[P256_LIMBS]) {
  if (a[0] != 1) {
    return 0;
  }
  for (size_t i = 1; i < P256_LIMBS; ++i) {
    if (a[i] != 0) {
      return 0;
    }
  }
  return 1;
}

static void scalar_shr1(Limb a[P256_LIMBS]) {
  for (size_t i = 0; i < P256_LIMBS - 1; ++i) {
    a[i] = (a[i] >> 1) | (a[i + 1] << (LIMB_BITS - 1));
  }
  a[P256_LIMBS - 1] >>= 1;
}

/* Sets |a| to |a| / 2 (mod n), for |a| in [0, n): an odd |a| is made even by
 * adding n, whose carry becomes the top bit after the shift. */
static void scalar_halve_mod_n(Limb a[P256_LIMBS]) {
  Carry carry = 0;
  if (a[0] & 1) {
    carry = limbs_add(a, a, N, P256_LIMBS);
  }
  scalar_shr1(a);
  a[P256_LIMBS - 1] |= (Limb)carry << (LIMB_BITS - 1);
}

/* Whether |a| >= |b|. */
static int scalar_at_least(const Limb a[P256_LIMBS], const Limb b[P256_LIMBS]) {
  for (size_t i = P256_LIMBS; i > 0; --i) {
    if (a[i - 1] != b[i - 1]) {
      return a[i - 1] > b[i - 1];
    }
  }
  return 1;
}

void p256_scalar_inv_vartime(Scalar r, const Scalar a) {
  /* Invariants: x1 * a == u and x2 * a == v (mod n); u, v odd-reduced
   * towards 1, as gcd(a, n) == 1. */
  Limb u[P256_LIMBS], v[P256_LIMBS], x1[P256_LIMBS], x2[P256_LIMBS];
  if (LIMBS_are_zero(a, P256_LIMBS)) {
    /* Zero has no inverse; the loop below would not end. */
    limbs_zero(r, P256_LIMBS);
    return;
  }
  limbs_copy(u, a, P256_LIMBS);
  limbs_copy(v, N, P256_LIMBS);
  limbs_zero(x1, P256_LIMBS);
  x1[0] = 1;
  limbs_zero(x2, P256_LIMBS);
  while (!scalar_is_one(u) && !scalar_is_one(v)) {
    while ((u[0] & 1) == 0) {
      scalar_shr1(u);
      scalar_halve_mod_n(x1);
    }
    while ((v[0] & 1) == 0) {
      scalar_shr1(v);
      scalar_halve_mod_n(x2);
    }
    if (scalar_at_least(u, v)) {
      (void)limbs_sub(u, u, v, P256_LIMBS);
      LIMBS_sub_mod(x1, x1, x2, N, P256_LIMBS);
    } else {
      (void)limbs_sub(v, v, u, P256_LIMBS);
      LIMBS_sub_mod(x2, x2, x1, N, P256_LIMBS);
    }
  }
  limbs_copy(r, scalar_is_one(u) ? x1 : x2, P256_LIMBS);
}

/* XXX: Inefficient. TODO: optimize with dedicated squaring routine. */
void p256_scalar_sqr_rep_mont(ScalarMont r, const ScalarMont a, Limb rep) {
  dev_assert_secret(rep >= 1);
  p256_scalar_mul_mont(r, a, a);
  for (Limb i = 1; i < rep; ++i) {
    p256_scalar_mul_mont(r, r, r);
  }
}

#endif
