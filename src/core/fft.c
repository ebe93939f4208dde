/* SPDX-License-Identifier: MIT */
/*
 * Mixed-radix decimation-in-time FFT. The input is gathered through a
 * precomputed mixed-radix digit-reversal permutation, then each stage of
 * radix p turns p interleaved transforms of length m/p into transforms of
 * length m in place. Twiddles are tabulated per stage from the exact angle
 * 2 pi ((j t) mod m) / m, so no error accumulates from recurrences.
 *
 * Lengths with a prime factor above 5 go through Bluestein's algorithm:
 * x[j] w^(j^2/2) convolved with w^(-j^2/2), the convolution done by a
 * power-of-two FFT of length >= 2n - 1.
 */
#include "fft.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* 2^63 needs 32 radix-4 stages at most; 64 leaves room for any mix. */
#define MAX_STAGES 64

struct vg_fft {
	size_t n;
	/* mixed radix */
	int nstages;
	unsigned radix[MAX_STAGES];
	size_t *perm;	    /* before the stages, out[i] = in[perm[i]] */
	struct vg_cplx *tw; /* per stage: (p - 1) * m_prev twiddles */
	/* Bluestein */
	struct vg_fft *sub;	/* plan of length m >= 2n - 1 */
	struct vg_cplx *chirp;	/* exp(-i pi k^2 / n), k < n */
	struct vg_cplx *filter; /* FFT of the conjugate chirp, length m */
	struct vg_cplx *work;	/* two scratch vectors of length m */
};

static const double TWO_PI = 6.283185307179586476925286766559;

/* exp(-2 pi i num / den), num reduced first so the angle stays exact. */
static struct vg_cplx cexp_neg(size_t num, size_t den)
{
	double a = TWO_PI * (double)(num % den) / (double)den;
	struct vg_cplx w = {cos(a), -sin(a)};
	return w;
}

/* Splits n into radices 4, 2, 3, 5. Returns -1 if another prime divides. */
static int factorize(size_t n, unsigned *radix, int *nstages)
{
	int k = 0;
	static const unsigned order[] = {4, 2, 3, 5};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		while (n % order[i] == 0 && k < MAX_STAGES) {
			radix[k++] = order[i];
			n /= order[i];
		}
	}
	*nstages = k;
	return n == 1 ? 0 : -1;
}

static int plan_mixed(struct vg_fft *p)
{
	size_t n = p->n, m, ntw = 0;

	p->perm = malloc(n * sizeof(*p->perm));
	if (!p->perm)
		return -1;
	/*
	 * Digit reversal built from the first stage outwards: with the stages
	 * so far covering m points, the next radix r places sub-transform t
	 * (of the samples t, t + r, t + 2r, ...) at t * m.
	 */
	p->perm[0] = 0;
	m = 1;
	for (int s = 0; s < p->nstages; s++) {
		size_t r = p->radix[s];
		for (size_t t = r; t-- > 0;)
			for (size_t i = 0; i < m; i++)
				p->perm[t * m + i] = t + r * p->perm[i];
		m *= r;
		ntw += (r - 1) * (m / r);
	}
	p->tw = malloc((ntw ? ntw : 1) * sizeof(*p->tw));
	if (!p->tw)
		return -1;
	struct vg_cplx *tw = p->tw;
	m = 1;
	for (int s = 0; s < p->nstages; s++) {
		size_t r = p->radix[s], mp = m;
		m *= r;
		for (size_t j = 0; j < mp; j++)
			for (size_t t = 1; t < r; t++)
				*tw++ = cexp_neg(j * t, m);
	}
	return 0;
}

static size_t next_pow2(size_t n)
{
	size_t m = 1;
	while (m < n)
		m <<= 1;
	return m;
}

static int plan_bluestein(struct vg_fft *p)
{
	size_t n = p->n, m = next_pow2(2 * n - 1);

	p->sub = vg_fft_new(m);
	p->chirp = malloc(n * sizeof(*p->chirp));
	p->filter = malloc(m * sizeof(*p->filter));
	p->work = malloc(2 * m * sizeof(*p->work));
	if (!p->sub || !p->chirp || !p->filter || !p->work)
		return -1;
	/* k^2 mod 2n keeps the chirp angle pi k^2 / n exact for large k. */
	for (size_t k = 0; k < n; k++) {
		size_t k2 = (size_t)(((unsigned long long)k * k) % (2 * n));
		p->chirp[k] = cexp_neg(k2, 2 * n);
	}
	struct vg_cplx *b = p->work;
	for (size_t k = 0; k < m; k++)
		b[k] = (struct vg_cplx){0, 0};
	for (size_t k = 0; k < n; k++) {
		struct vg_cplx c = {p->chirp[k].re, -p->chirp[k].im};
		b[k] = c;
		if (k)
			b[m - k] = c;
	}
	vg_fft_forward(p->sub, b, p->filter);
	return 0;
}

struct vg_fft *vg_fft_new(size_t n)
{
	struct vg_fft *p;

	if (n < 1 || n > SIZE_MAX / 4 / sizeof(struct vg_cplx))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n = n;
	int err = factorize(n, p->radix, &p->nstages) == 0 ? plan_mixed(p)
							   : plan_bluestein(p);
	if (err) {
		vg_fft_free(p);
		return NULL;
	}
	return p;
}

void vg_fft_free(struct vg_fft *p)
{
	if (!p)
		return;
	free(p->perm);
	free(p->tw);
	vg_fft_free(p->sub);
	free(p->chirp);
	free(p->filter);
	free(p->work);
	free(p);
}

size_t vg_fft_len(const struct vg_fft *p)
{
	return p->n;
}

static inline struct vg_cplx cmul(struct vg_cplx a, struct vg_cplx b)
{
	struct vg_cplx r = {a.re * b.re - a.im * b.im,
			    a.re * b.im + a.im * b.re};
	return r;
}

static void stage2(struct vg_cplx *x, size_t n, size_t mp,
		   const struct vg_cplx *tw)
{
	size_t m = 2 * mp;

	for (size_t base = 0; base < n; base += m) {
		struct vg_cplx *a = x + base;
		for (size_t j = 0; j < mp; j++) {
			struct vg_cplx a0 = a[j];
			struct vg_cplx a1 =
			    j ? cmul(a[j + mp], tw[j]) : a[j + mp];
			a[j] = (struct vg_cplx){a0.re + a1.re, a0.im + a1.im};
			a[j + mp] =
			    (struct vg_cplx){a0.re - a1.re, a0.im - a1.im};
		}
	}
}

static void stage3(struct vg_cplx *x, size_t n, size_t mp,
		   const struct vg_cplx *tw)
{
	const double c = 0.86602540378443864676372317075294; /* sqrt(3)/2 */
	size_t m = 3 * mp;

	for (size_t base = 0; base < n; base += m) {
		struct vg_cplx *a = x + base;
		for (size_t j = 0; j < mp; j++) {
			const struct vg_cplx *w = tw + 2 * j;
			struct vg_cplx a0 = a[j];
			struct vg_cplx a1 =
			    j ? cmul(a[j + mp], w[0]) : a[j + mp];
			struct vg_cplx a2 =
			    j ? cmul(a[j + 2 * mp], w[1]) : a[j + 2 * mp];
			double sr = a1.re + a2.re, si = a1.im + a2.im;
			double dr = a1.re - a2.re, di = a1.im - a2.im;
			double mr = a0.re - 0.5 * sr, mi = a0.im - 0.5 * si;
			/* -i (sqrt(3)/2) (a1 - a2) */
			double ur = c * di, ui = -c * dr;
			a[j] = (struct vg_cplx){a0.re + sr, a0.im + si};
			a[j + mp] = (struct vg_cplx){mr + ur, mi + ui};
			a[j + 2 * mp] = (struct vg_cplx){mr - ur, mi - ui};
		}
	}
}

static void stage4(struct vg_cplx *x, size_t n, size_t mp,
		   const struct vg_cplx *tw)
{
	size_t m = 4 * mp;

	for (size_t base = 0; base < n; base += m) {
		struct vg_cplx *a = x + base;
		for (size_t j = 0; j < mp; j++) {
			const struct vg_cplx *w = tw + 3 * j;
			struct vg_cplx a0 = a[j], a1, a2, a3;
			if (j) {
				a1 = cmul(a[j + mp], w[0]);
				a2 = cmul(a[j + 2 * mp], w[1]);
				a3 = cmul(a[j + 3 * mp], w[2]);
			} else {
				a1 = a[j + mp];
				a2 = a[j + 2 * mp];
				a3 = a[j + 3 * mp];
			}
			double t0r = a0.re + a2.re, t0i = a0.im + a2.im;
			double t1r = a0.re - a2.re, t1i = a0.im - a2.im;
			double t2r = a1.re + a3.re, t2i = a1.im + a3.im;
			/* -i (a1 - a3) */
			double t3r = a1.im - a3.im, t3i = a3.re - a1.re;
			a[j] = (struct vg_cplx){t0r + t2r, t0i + t2i};
			a[j + mp] = (struct vg_cplx){t1r + t3r, t1i + t3i};
			a[j + 2 * mp] = (struct vg_cplx){t0r - t2r, t0i - t2i};
			a[j + 3 * mp] = (struct vg_cplx){t1r - t3r, t1i - t3i};
		}
	}
}

static void stage5(struct vg_cplx *x, size_t n, size_t mp,
		   const struct vg_cplx *tw)
{
	/* cos and sin of 2 pi / 5 and 4 pi / 5 */
	const double c1 = 0.30901699437494742410229341718282;
	const double c2 = -0.80901699437494742410229341718282;
	const double s1 = 0.95105651629515357211643933337938;
	const double s2 = 0.58778525229247312916870595463907;
	size_t m = 5 * mp;

	for (size_t base = 0; base < n; base += m) {
		struct vg_cplx *a = x + base;
		for (size_t j = 0; j < mp; j++) {
			const struct vg_cplx *w = tw + 4 * j;
			struct vg_cplx a0 = a[j], v[4];
			for (int t = 0; t < 4; t++)
				v[t] = j ? cmul(a[j + (t + 1) * mp], w[t])
					 : a[j + (t + 1) * mp];
			double b1r = v[0].re + v[3].re, b1i = v[0].im + v[3].im;
			double b4r = v[0].re - v[3].re, b4i = v[0].im - v[3].im;
			double b2r = v[1].re + v[2].re, b2i = v[1].im + v[2].im;
			double b3r = v[1].re - v[2].re, b3i = v[1].im - v[2].im;
			double r1r = a0.re + c1 * b1r + c2 * b2r;
			double r1i = a0.im + c1 * b1i + c2 * b2i;
			double r2r = a0.re + c2 * b1r + c1 * b2r;
			double r2i = a0.im + c2 * b1i + c1 * b2i;
			double i1r = s1 * b4r + s2 * b3r,
			       i1i = s1 * b4i + s2 * b3i;
			double i2r = s2 * b4r - s1 * b3r,
			       i2i = s2 * b4i - s1 * b3i;
			a[j] = (struct vg_cplx){a0.re + b1r + b2r,
						a0.im + b1i + b2i};
			/* X1 = r1 - i i1, X4 = r1 + i i1, likewise X2, X3 */
			a[j + mp] = (struct vg_cplx){r1r + i1i, r1i - i1r};
			a[j + 4 * mp] = (struct vg_cplx){r1r - i1i, r1i + i1r};
			a[j + 2 * mp] = (struct vg_cplx){r2r + i2i, r2i - i2r};
			a[j + 3 * mp] = (struct vg_cplx){r2r - i2i, r2i + i2r};
		}
	}
}

static void forward_mixed(const struct vg_fft *p, const struct vg_cplx *in,
			  struct vg_cplx *out)
{
	size_t n = p->n, mp = 1;
	const struct vg_cplx *tw = p->tw;

	for (size_t i = 0; i < n; i++)
		out[i] = in[p->perm[i]];
	for (int s = 0; s < p->nstages; s++) {
		unsigned r = p->radix[s];
		switch (r) {
		case 2:
			stage2(out, n, mp, tw);
			break;
		case 3:
			stage3(out, n, mp, tw);
			break;
		case 4:
			stage4(out, n, mp, tw);
			break;
		default:
			stage5(out, n, mp, tw);
			break;
		}
		tw += (r - 1) * mp;
		mp *= r;
	}
}

static void forward_bluestein(struct vg_fft *p, const struct vg_cplx *in,
			      struct vg_cplx *out)
{
	size_t n = p->n, m = vg_fft_len(p->sub);
	struct vg_cplx *a = p->work, *b = p->work + m;

	for (size_t k = 0; k < n; k++)
		a[k] = cmul(in[k], p->chirp[k]);
	for (size_t k = n; k < m; k++)
		a[k] = (struct vg_cplx){0, 0};
	vg_fft_forward(p->sub, a, b);
	/* Inverse by conjugation: ifft(y) = conj(fft(conj(y))) / m. */
	for (size_t k = 0; k < m; k++) {
		struct vg_cplx y = cmul(b[k], p->filter[k]);
		b[k] = (struct vg_cplx){y.re, -y.im};
	}
	vg_fft_forward(p->sub, b, a);
	double scale = 1.0 / (double)m;
	for (size_t k = 0; k < n; k++) {
		struct vg_cplx c = {a[k].re * scale, -a[k].im * scale};
		out[k] = cmul(c, p->chirp[k]);
	}
}

void vg_fft_forward(struct vg_fft *p, const struct vg_cplx *in,
		    struct vg_cplx *out)
{
	if (p->sub)
		forward_bluestein(p, in, out);
	else
		forward_mixed(p, in, out);
}
