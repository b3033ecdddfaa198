/* event-drain.c: the hot loop of an event frame's drain (kernel/collectors/native-drain.ts calls it through
 * koffi): the per-CPU rings merged into time order, each record checked (being written, discarded, of another
 * size, at or past the time limit) and decoded into the frame's typed columns, in one pass over ring memory.
 * It does what the generated JS loop (kernel/collectors/fused-merge.ts) does, row for row and code for code, at
 * native speed: V8 checks every typed-array access, C does not.
 *
 * Nothing here knows a record's layout: each column is a cell of the descriptor TypeScript builds from the
 * object's BTF (source offset, width, signedness, destination type). Dictionary codes of string columns are the
 * dictionaries' own (JS interns the strings): a name or value not yet in this column's table stops the drain at
 * its record and is handed back (`miss`); JS interns it and calls again with its code (`pending`), which goes
 * into the table first. The rings' positions are the resume point, so a miss costs one more call, no state.
 * The cgroup, container and unit columns are filled here too (a CGROUP cell: the record's cgroup id through a
 * table of ids met since the builder's last take(), JS resolving a new one as for a name), while the row is in
 * cache, rather than in a second pass over the frame at take() as the JS drain's are.
 *
 * Built by the Makefile beside it (scripts/setup.sh); all numbers are doubles where the JS loop's are, so both
 * give identical values (no -ffast-math, no FMA contraction). */
#include <stdint.h>
#include <string.h>
#include <math.h>

/* struct bpf_ringbuf_hdr's len: being written, discarded; the rest is the length */
#define BUSY 0x80000000u
#define DISCARD 0x40000000u
#define LEN 0x3fffffffu
#define HDR 8

enum kind { NUM = 0, U64 = 1, CHARS = 2, MAPPED = 3, CGROUP = 4 };
enum dst { D_U8 = 0, D_U32 = 1, D_I32 = 2, D_F64 = 3 };

#define MAX_KEY 64 /* char arrays up to this many bytes (longer ones keep the JS drain) */
#define MAP_SMALL 4096 /* mapped values with a code table slot: 0 .. MAP_SMALL - 1, as mappedCodes() memoises */
#define MAX_COLS 32

/* Every field is 8 bytes, so TypeScript lays these out by index (native-drain.ts mirrors them). */
struct ring {
	uint64_t data; /* address of the data area, mapped twice: a record wrapping round the end is contiguous */
	uint64_t pos; /* in: the consumer position; out: the first record left (not taken) */
	uint64_t end; /* the producer position, read when the drain began */
	uint64_t spare; /* keeps the struct at four slots */
};

/* CGROUP: the cgroup, container and unit columns (col, col + 1, col + 2) from the 64-bit cgroup id at `off`,
 * through a table of the ids met so far (ID_SLOT slots: id + 1, 0 empty; three u32 codes; pad): filled in the
 * decode loop while the row is in cache, instead of in a second pass over the id column at take(). */
struct cell {
	int64_t kind, off, size, is_signed, dst, col;
	uint64_t table; /* CHARS, CGROUP: address of the hash table; MAPPED: of MAP_SMALL int32 codes (-1: none yet) */
	int64_t cap; /* CHARS, CGROUP: slots (a power of two) */
	int64_t used; /* CHARS, CGROUP: slots in use */
	double big_v; /* MAPPED: one value outside the small table, with its code (big_code < 0: none) */
	int64_t big_code;
};

struct args {
	int64_t nrings, ncells, record_size, time_off;
	uint64_t mask;
	double limit; /* ns after t0: records at or past it stay */
	int64_t hi0, lo0; /* t0's 32-bit halves, subtracted as the JS loop does */
	double wall_us;
	int64_t row, max_rows; /* in: the next row to write, and the end of the reserved rows; out: the next row */
	int64_t miss; /* out: the cell whose value had no code (the drain stopped at its record), or -1 */
	double miss_value; /* out, MAPPED: the value */
	int64_t pending; /* in: the code of the last miss (inserted before anything else), or -1 */
	int64_t pending_cell;
	uint8_t miss_key[MAX_KEY]; /* out, CHARS: the bytes (kept for the pending insert); CGROUP: the id */
	uint64_t cols[MAX_COLS]; /* column addresses (string columns: their codes) */
	int64_t pend_codes[3]; /* in, CGROUP: the three codes of the pending id */
	struct ring rings[]; /* nrings */
};

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The record's time as ns after t0, computed as the JS loop does: exact below 2^53. */
static inline double ns_of(const uint8_t *rec, const struct args *a)
{
	const uint8_t *t = rec + a->time_off;

	return (double)((int64_t)rd32(t + 4) - a->hi0) * 4294967296.0 + (double)((int64_t)rd32(t) - a->lo0);
}

/* JavaScript's Math.round: the nearest integer, halves towards +Infinity. */
static inline double js_round(double x)
{
	/* a time is >= 0 and < 2^53, where truncation is floor: one conversion each way, not floor()'s SSE2 sign and
	 * magnitude fixups (no roundsd without SSE4.1) */
	double f = x >= 0 && x < 9007199254740992.0 ? (double)(int64_t)x : floor(x);

	return x - f >= 0.5 ? f + 1 : f;
}

/* An integer field as the JS loop's number: exact for 32 bits, rounded once to a double for 64. */
static inline double int_value(const uint8_t *p, int64_t size, int64_t is_signed, int64_t *exact)
{
	switch (size) {
	case 1:
		*exact = is_signed ? (int64_t)(int8_t)p[0] : (int64_t)p[0];
		return (double)*exact;
	case 2: {
		uint16_t v;

		memcpy(&v, p, 2);
		*exact = is_signed ? (int64_t)(int16_t)v : (int64_t)v;
		return (double)*exact;
	}
	case 4:
		*exact = is_signed ? (int64_t)(int32_t)rd32(p) : (int64_t)rd32(p);
		return (double)*exact;
	default: {
		uint64_t v;

		memcpy(&v, p, 8);
		*exact = (int64_t)v;
		return is_signed ? (double)(int64_t)v : (double)v;
	}
	}
}

/* The header word says whether the record is complete, so it is read before the record's other words: the
 * kernel sets it last, with release semantics (libbpf's smp_load_acquire). */
static inline uint32_t header(const uint8_t *at)
{
	return __atomic_load_n((const uint32_t *)at, __ATOMIC_ACQUIRE);
}

static inline uint64_t hash_key(const uint8_t *k, int64_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (int64_t i = 0; i < len; i += 4)
		h = (h ^ rd32(k + i)) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 29);
}

/* A slot: the key's bytes (len rounded up to 8), then the code + 1 (0: empty) as an int64. */
static inline int64_t slot_bytes(int64_t len)
{
	return ((len + 7) & ~7) + 8;
}

/* Whether two keys of `size` bytes are equal: the common 16-byte comm as two 8-byte words (memcmp of a size not
 * known at compile time is a call per cell and record). */
static inline int same_key(const uint8_t *prev, const uint8_t *p, int64_t size)
{
	if (size == 16) {
		uint64_t a0, a1, b0, b1;

		memcpy(&a0, prev, 8), memcpy(&a1, prev + 8, 8), memcpy(&b0, p, 8), memcpy(&b1, p + 8, 8);
		return a0 == b0 && a1 == b1;
	}
	return !memcmp(prev, p, size);
}

static int64_t table_find(const struct cell *c, const uint8_t *key)
{
	uint8_t *t = (uint8_t *)(uintptr_t)c->table;
	int64_t sb = slot_bytes(c->size);
	uint64_t m = (uint64_t)c->cap - 1;

	for (uint64_t i = hash_key(key, c->size) & m;; i = (i + 1) & m) {
		uint8_t *s = t + i * sb;
		int64_t code;

		memcpy(&code, s + sb - 8, 8);
		if (code == 0)
			return -1;
		if (same_key(s, key, c->size))
			return code - 1;
	}
}

#define ID_SLOT 24

/* The slot of `id` in an id table of `cap` slots (ID_SLOT bytes: id + 1, 0 empty; three u32 codes; pad): its
 * own, or the empty one where it would go (`found` says which). */
static inline uint8_t *id_slot_in(uint8_t *t, int64_t cap, uint64_t id, int *found)
{
	uint64_t m = (uint64_t)cap - 1, h = id * 0x9e3779b97f4a7c15ull;

	for (uint64_t i = (h ^ (h >> 31)) & m;; i = (i + 1) & m) {
		uint8_t *s = t + i * ID_SLOT;
		uint64_t have;

		memcpy(&have, s, 8);
		*found = have == id + 1;
		if (have == 0 || *found)
			return s;
	}
}

/* Stores `id`'s codes; returns 1 when the id is new to the table. */
static inline int id_store(uint8_t *t, int64_t cap, uint64_t id, const uint32_t codes[3])
{
	int found;
	uint8_t *s = id_slot_in(t, cap, id, &found);
	uint64_t stored = id + 1;

	memcpy(s, &stored, 8);
	memcpy(s + 8, codes, 12);
	return !found;
}

/* Moves an id table of `cap` slots into `to` of `to_cap` (zeroed, a power of two); returns the ids moved. */
static int64_t id_rehash(const uint8_t *from, int64_t cap, uint8_t *to, int64_t to_cap)
{
	int64_t n = 0;

	for (int64_t i = 0; i < cap; i++) {
		const uint8_t *s = from + i * ID_SLOT;
		uint64_t have;
		uint32_t codes[3];

		memcpy(&have, s, 8);
		memcpy(codes, s + 8, 12);
		if (have)
			n += id_store(to, to_cap, have - 1, codes);
	}
	return n;
}

static void table_put(struct cell *c, const uint8_t *key, int64_t code)
{
	uint8_t *t = (uint8_t *)(uintptr_t)c->table;
	int64_t sb = slot_bytes(c->size), stored = code + 1;
	uint64_t m = (uint64_t)c->cap - 1;

	for (uint64_t i = hash_key(key, c->size) & m;; i = (i + 1) & m) {
		uint8_t *s = t + i * sb;
		int64_t have;

		memcpy(&have, s + sb - 8, 8);
		if (have == 0) {
			memcpy(s, key, c->size);
			memcpy(s + sb - 8, &stored, 8);
			c->used++;
			return;
		}
		if (!memcmp(s, key, c->size))
			return;
	}
}

/* Moves cell `ci`'s table into `table` of `cap` slots (zeroed, a power of two), for a table half full. */
void bpflab_table_grow(struct cell *cells, int64_t ci, void *table, int64_t cap)
{
	struct cell *c = &cells[ci], old = *c;
	int64_t sb = slot_bytes(c->size);

	c->table = (uint64_t)(uintptr_t)table;
	c->cap = cap;
	c->used = 0;
	if (c->kind == CGROUP) {
		c->used = id_rehash((const uint8_t *)(uintptr_t)old.table, old.cap, table, cap);
		return;
	}
	for (int64_t i = 0; i < old.cap; i++) {
		const uint8_t *s = (const uint8_t *)(uintptr_t)old.table + i * sb;
		int64_t code;

		memcpy(&code, s + sb - 8, 8);
		if (code)
			table_put(c, s, code - 1);
	}
}

/* The value's code in a mapped cell, or -1. */
static inline int64_t mapped_find(const struct cell *c, double v, int64_t exact)
{
	if (v >= 0 && v < MAP_SMALL)
		return ((const int32_t *)(uintptr_t)c->table)[exact];
	return c->big_code >= 0 && c->big_v == v ? c->big_code : -1;
}

static void pending_put(struct args *a, struct cell *cells)
{
	struct cell *c = &cells[a->pending_cell];

	if (c->kind == CHARS) {
		table_put(c, a->miss_key, a->pending);
	} else if (c->kind == CGROUP) {
		uint64_t id;
		uint32_t codes[3] = { (uint32_t)a->pend_codes[0], (uint32_t)a->pend_codes[1], (uint32_t)a->pend_codes[2] };

		memcpy(&id, a->miss_key, 8);
		c->used += id_store((uint8_t *)(uintptr_t)c->table, c->cap, id, codes);
	} else if (a->miss_value >= 0 && a->miss_value < MAP_SMALL) {
		((int32_t *)(uintptr_t)c->table)[(int64_t)a->miss_value] = (int32_t)a->pending;
	} else {
		c->big_v = a->miss_value;
		c->big_code = a->pending;
	}
	a->pending = -1;
}

/* The previous record's key and code per string cell: a thread's run of events needs no lookup. */
struct prev {
	uint8_t key[MAX_KEY];
	double v;
	int64_t code;
	uint64_t id; /* CGROUP: the id, and its three codes */
	uint32_t codes[3];
};

/* What decode() does with one cell, chosen once a drain from the cell's kind, width and destination, with the
 * column's address: the interpretive switch over kind, size and type per cell and record was most of the loop's
 * time (perf annotate: the cell loop's loads and compares, not the stores). */
enum op_code {
	OP_U32, /* 4 bytes into a u32 column, as they are (pid, tid, nr...) */
	OP_F64_U64, /* 8 bytes unsigned into a double column (latencies, byte counts) */
	OP_F64_S64, /* 8 bytes signed into a double column (return values) */
	OP_COPY64, /* 8 bytes copied (u64 columns) */
	OP_NUM, /* any other integer: int_value(), then the destination's width as JS stores it */
	OP_CHARS,
	OP_CGROUP,
	OP_MAPPED,
};

struct op {
	int32_t code, cell; /* the cell's index: its tables, its previous key */
	int64_t off;
	uint8_t *dst;
};

static void compile_ops(const struct args *a, const struct cell *cells, struct op *ops)
{
	for (int64_t i = 0; i < a->ncells; i++) {
		const struct cell *c = &cells[i];
		struct op *o = &ops[i];

		o->cell = (int32_t)i;
		o->off = c->off;
		o->dst = (uint8_t *)(uintptr_t)a->cols[c->col];
		switch (c->kind) {
		case NUM:
			if (c->size == 4 && c->dst == D_U32)
				o->code = OP_U32;
			else if (c->size == 8 && c->dst == D_F64)
				o->code = c->is_signed ? OP_F64_S64 : OP_F64_U64;
			else
				o->code = OP_NUM;
			break;
		case U64:
			o->code = OP_COPY64;
			break;
		case CHARS:
			o->code = OP_CHARS;
			break;
		case CGROUP:
			o->code = OP_CGROUP;
			break;
		default:
			o->code = OP_MAPPED;
		}
	}
}

/* Decodes one record into row `r`; returns 0, or 1 when a cell has no code (nothing of the row counts then). */
static inline int decode(const uint8_t *rec, int64_t r, double ns, struct args *a, struct cell *cells,
			 const struct op *ops, int64_t nops, struct prev *pv, double *t_us, double *t_s)
{
	t_us[r] = js_round(a->wall_us + ns / 1000);
	t_s[r] = ns / 1e9;
	for (int64_t i = 0; i < nops; i++) {
		const struct op *o = &ops[i];
		const uint8_t *p = rec + o->off;

		switch (o->code) {
		case OP_U32:
			((uint32_t *)o->dst)[r] = rd32(p);
			break;
		case OP_F64_U64: {
			uint64_t v;

			memcpy(&v, p, 8);
			((double *)o->dst)[r] = (double)v;
			break;
		}
		case OP_F64_S64: {
			int64_t v;

			memcpy(&v, p, 8);
			((double *)o->dst)[r] = (double)v;
			break;
		}
		case OP_COPY64:
			memcpy(o->dst + 8 * r, p, 8);
			break;
		case OP_NUM: {
			const struct cell *c = &cells[o->cell];
			int64_t x;
			double v = int_value(p, c->size, c->is_signed, &x);

			/* JS stores a number into a typed array modulo its width: so do these casts (sizes up to 4) */
			switch (c->dst) {
			case D_U8:
				((uint8_t *)o->dst)[r] = (uint8_t)x;
				break;
			case D_U32:
				((uint32_t *)o->dst)[r] = (uint32_t)x;
				break;
			case D_I32:
				((int32_t *)o->dst)[r] = (int32_t)(uint32_t)x;
				break;
			default:
				((double *)o->dst)[r] = v;
			}
			break;
		}
		case OP_CHARS: {
			const struct cell *c = &cells[o->cell];
			struct prev *q = &pv[o->cell];

			if (q->code < 0 || !same_key(q->key, p, c->size)) {
				int64_t code = table_find(c, p);

				if (code < 0) {
					memcpy(a->miss_key, p, c->size);
					a->miss = o->cell;
					return 1;
				}
				memcpy(q->key, p, c->size);
				q->code = code;
			}
			((uint32_t *)o->dst)[r] = (uint32_t)q->code;
			break;
		}
		case OP_CGROUP: {
			const struct cell *c = &cells[o->cell];
			struct prev *q = &pv[o->cell];
			uint64_t id;

			memcpy(&id, p, 8);
			if (q->code < 0 || id != q->id) {
				int found;
				const uint8_t *s = id_slot_in((uint8_t *)(uintptr_t)c->table, c->cap, id, &found);

				if (!found) {
					memcpy(a->miss_key, &id, 8);
					a->miss = o->cell;
					return 1;
				}
				memcpy(q->codes, s + 8, 12);
				q->id = id;
				q->code = 0;
			}
			((uint32_t *)o->dst)[r] = q->codes[0];
			((uint32_t *)(uintptr_t)a->cols[c->col + 1])[r] = q->codes[1];
			((uint32_t *)(uintptr_t)a->cols[c->col + 2])[r] = q->codes[2];
			break;
		}
		default: { /* OP_MAPPED */
			const struct cell *c = &cells[o->cell];
			struct prev *q = &pv[o->cell];
			int64_t x;
			double v = int_value(p, c->size, c->is_signed, &x);

			if (q->code < 0 || v != q->v) {
				int64_t code = mapped_find(c, v, x);

				if (code < 0) {
					a->miss_value = v;
					a->miss = o->cell;
					return 1;
				}
				q->v = v;
				q->code = code;
			}
			((uint32_t *)o->dst)[r] = (uint32_t)q->code;
		}
		}
	}
	return 0;
}

/* Steps ring `g` over records it skips (discarded, of another size) to its next one this drain may take, and
 * returns that record's time, or INFINITY (being written, at or past the limit, none). */
static double head_of(struct ring *g, const struct args *a)
{
	const uint8_t *data = (const uint8_t *)(uintptr_t)g->data;

	while (g->pos < g->end) {
		const uint8_t *at = data + (g->pos & a->mask);
		uint32_t hdr = header(at), len = hdr & LEN;
		double ns;

		if (hdr & BUSY)
			break;
		if ((hdr & DISCARD) || len != (uint32_t)a->record_size) {
			g->pos += (len + 15) & ~7u;
			continue;
		}
		ns = ns_of(at + HDR, a);
		if (ns >= a->limit)
			break;
		return ns;
	}
	return INFINITY;
}

/* The drain: a k-way merge by each ring's next time (ties: the lower CPU first, as the JS loop and runRows()
 * place them) that takes the leading ring's records in one stretch while they stay before every other ring's
 * head. Returns the rows written by this call (also `a->row` - its value on entry); `a->miss` says whether it
 * stopped at a value without a code. -1: more rows than reserved (a caller's bug: nothing past them written). */
int64_t bpflab_drain(struct args *a, struct cell *cells)
{
	double heads[256];
	struct prev pv[MAX_COLS];
	struct op ops[MAX_COLS];
	double *t_us, *t_s;
	int64_t k = a->nrings, r = a->row, row0 = a->row, stride = (a->record_size + 15) & ~7;

	if (k > 256 || a->ncells > MAX_COLS)
		return -2;
	if (a->pending >= 0)
		pending_put(a, cells);
	a->miss = -1;
	for (int64_t i = 0; i < a->ncells; i++)
		pv[i].code = -1;
	compile_ops(a, cells, ops);
	t_us = (double *)(uintptr_t)a->cols[0];
	t_s = (double *)(uintptr_t)a->cols[1];
	for (int64_t j = 0; j < k; j++)
		heads[j] = head_of(&a->rings[j], a);
	for (;;) {
		int64_t best = -1, lim_j = k;
		double bt = INFINITY, lim = INFINITY;

		for (int64_t j = 0; j < k; j++)
			if (heads[j] < bt)
				bt = heads[j], best = j;
		if (best < 0)
			break;
		/* the stretch: records before every other head (equal times: the lower CPU first) */
		for (int64_t j = 0; j < k; j++)
			if (j != best && heads[j] < lim)
				lim = heads[j], lim_j = j;
		int tie = best < lim_j;
		struct ring *g = &a->rings[best];
		const uint8_t *data = (const uint8_t *)(uintptr_t)g->data;
		double head = INFINITY;

		while (g->pos < g->end) {
			const uint8_t *at = data + (g->pos & a->mask);
			uint32_t hdr = header(at), len = hdr & LEN;
			double ns;

			if (hdr & BUSY)
				break;
			if ((hdr & DISCARD) || len != (uint32_t)a->record_size) {
				g->pos += (len + 15) & ~7u;
				continue;
			}
			ns = ns_of(at + HDR, a);
			if (ns >= a->limit)
				break;
			if (ns > lim || (ns == lim && !tie)) {
				head = ns;
				break;
			}
			if (r >= a->max_rows) {
				a->row = r;
				return -1;
			}
			if (decode(at + HDR, r, ns, a, cells, ops, a->ncells, pv, t_us, t_s)) {
				a->row = r;
				return r - row0;
			}
			r++;
			g->pos += stride;
		}
		heads[best] = head;
	}
	a->row = r;
	return r - row0;
}

/* Frees what the drain took: each of `n` rings' consumer position (at address cons[j]) set to pos[j], stored
 * with release semantics (libbpf's smp_store_release) so the producer sees our reads done before it reuses the
 * space. */
void bpflab_commit(int64_t n, const uint64_t *cons, const uint64_t *pos)
{
	for (int64_t j = 0; j < n; j++)
		__atomic_store_n((uint64_t *)(uintptr_t)cons[j], pos[j], __ATOMIC_RELEASE);
}

/* The cgroup columns of a frame (kernel/capture/cgroup-tree.ts fillCgroupColumns): each row's cgroup_id into
 * three codes (cgroup, container, unit), from a table of the ids seen so far; an id not in it stops the pass at
 * its row (`row`), JS resolves it and gives its codes (`pending`), the next call stores them and goes on. The
 * table: slots of {id + 1 (0: empty), three u32 codes, pad}. */
struct fill_args {
	int64_t n, row;
	uint64_t ids, c0, c1, c2; /* addresses: u64 ids, u32 codes */
	uint64_t table;
	int64_t cap, used;
	int64_t pending;
	uint64_t pend_id;
	int64_t pend_codes[3];
};

static inline uint8_t *id_slot(const struct fill_args *a, uint64_t id, int *found)
{
	return id_slot_in((uint8_t *)(uintptr_t)a->table, a->cap, id, found);
}

static void id_put(struct fill_args *a, uint64_t id, const uint32_t codes[3])
{
	a->used += id_store((uint8_t *)(uintptr_t)a->table, a->cap, id, codes);
}

/* Moves the table into `table` of `cap` slots (zeroed, a power of two). */
void bpflab_ids_grow(struct fill_args *a, void *table, int64_t cap)
{
	const uint8_t *old = (const uint8_t *)(uintptr_t)a->table;
	int64_t old_cap = a->cap;

	a->table = (uint64_t)(uintptr_t)table;
	a->cap = cap;
	a->used = id_rehash(old, old_cap, table, cap);
}

/* Fills rows `row` .. n - 1; returns the row it stopped at: n, or a row whose id has no codes yet. */
int64_t bpflab_fill_ids(struct fill_args *a)
{
	const uint64_t *ids = (const uint64_t *)(uintptr_t)a->ids;
	uint32_t *c0 = (uint32_t *)(uintptr_t)a->c0, *c1 = (uint32_t *)(uintptr_t)a->c1,
		 *c2 = (uint32_t *)(uintptr_t)a->c2;
	uint32_t k[3] = { 0, 0, 0 };
	uint64_t last = 0;
	int have_last = 0;

	if (a->pending) {
		uint32_t codes[3] = { (uint32_t)a->pend_codes[0], (uint32_t)a->pend_codes[1], (uint32_t)a->pend_codes[2] };

		id_put(a, a->pend_id, codes);
		a->pending = 0;
	}
	for (int64_t i = a->row; i < a->n; i++) {
		uint64_t id = ids[i];

		if (!have_last || id != last) {
			int found;
			const uint8_t *s = id_slot(a, id, &found);

			if (!found) {
				a->row = i;
				return i;
			}
			memcpy(k, s + 8, 12);
			last = id;
			have_last = 1;
		}
		c0[i] = k[0];
		c1[i] = k[1];
		c2[i] = k[2];
	}
	a->row = a->n;
	return a->n;
}
