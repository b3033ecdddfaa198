// Raw koffi bindings to libbpf.so.1 (libbpf >= 1.0 semantics: NULL + errno, or a negative errno) and libc.
// Only bpf-object.ts, bpf-map.ts, ring-buffer.ts and libbpf-log.ts use these; everything else sees classes.

// koffi's typings are ESM-only ("type": "module"); its CommonJS build is what require() loads at run time.
import type * as Koffi from "koffi" with { "resolution-mode": "import" };
const koffi: typeof Koffi = require("koffi");

/** A C pointer as koffi 3 represents it: a bigint address, or null. */
export type Ptr = bigint | null;

let lib: ReturnType<typeof bind> | undefined;

function bind() {
  const bpf = koffi.load("libbpf.so.1");
  const libc = koffi.load("libc.so.6");
  const printFn = koffi.proto("int libbpf_print_fn(int level, const char *fmt, void *ap)");
  const sampleFn = koffi.proto("int ring_buffer_sample_fn(void *ctx, void *data, size_t size)");
  // struct bpf_object_open_opts of libbpf 1.1 (fields up to kernel_log_level; `sz` tells libbpf how many).
  const openOpts = koffi.struct("bpf_object_open_opts", {
    sz: "size_t",
    object_name: "const char *",
    relaxed_maps: "bool",
    pin_root_path: "const char *",
    pad: "uint32_t",
    kconfig: "const char *",
    btf_custom_path: "const char *",
    kernel_log_buf: "void *",
    kernel_log_size: "size_t",
    kernel_log_level: "uint32_t",
  });
  // struct bpf_uprobe_opts of libbpf 1.1 (/usr/include/bpf/libbpf.h): koffi pads retprobe to 8 like C does.
  const uprobeOpts = koffi.struct("bpf_uprobe_opts", {
    sz: "size_t",
    ref_ctr_offset: "size_t",
    bpf_cookie: "uint64_t",
    retprobe: "bool",
    func_name: "const char *",
  });
  return {
    openOpts,
    uprobeOpts,
    printFn,
    sampleFn,
    libbpf_set_print: bpf.func("void *libbpf_set_print(libbpf_print_fn *fn)"),
    libbpf_num_possible_cpus: bpf.func("int libbpf_num_possible_cpus(void)"),
    libbpf_strerror: bpf.func("int libbpf_strerror(int err, _Out_ uint8_t *buf, size_t size)"),

    bpf_object__open_file: bpf.func("void *bpf_object__open_file(const char *path, const bpf_object_open_opts *opts)"),
    bpf_object__load: bpf.func("int bpf_object__load(void *obj)"),
    bpf_object__close: bpf.func("void bpf_object__close(void *obj)"),
    bpf_object__next_program: bpf.func("void *bpf_object__next_program(void *obj, void *prev)"),
    bpf_object__next_map: bpf.func("void *bpf_object__next_map(void *obj, void *prev)"),

    bpf_program__name: bpf.func("const char *bpf_program__name(void *prog)"),
    bpf_program__section_name: bpf.func("const char *bpf_program__section_name(void *prog)"),
    bpf_program__set_autoload: bpf.func("int bpf_program__set_autoload(void *prog, bool autoload)"),
    bpf_program__autoload: bpf.func("bool bpf_program__autoload(void *prog)"),
    bpf_program__set_log_buf: bpf.func("int bpf_program__set_log_buf(void *prog, void *buf, size_t size)"),
    bpf_program__attach: bpf.func("void *bpf_program__attach(void *prog)"),
    bpf_program__attach_uprobe_opts: bpf.func(
      "void *bpf_program__attach_uprobe_opts(void *prog, int pid, const char *binary_path, size_t func_offset, const bpf_uprobe_opts *opts)",
    ),
    // the link owns the perf event fd: bpf_link__destroy disables and closes it
    bpf_program__attach_perf_event: bpf.func("void *bpf_program__attach_perf_event(void *prog, int pfd)"),
    bpf_link__destroy: bpf.func("int bpf_link__destroy(void *link)"),

    bpf_map__name: bpf.func("const char *bpf_map__name(void *map)"),
    bpf_map__fd: bpf.func("int bpf_map__fd(void *map)"),
    bpf_map__key_size: bpf.func("uint32_t bpf_map__key_size(void *map)"),
    bpf_map__value_size: bpf.func("uint32_t bpf_map__value_size(void *map)"),
    bpf_map__max_entries: bpf.func("uint32_t bpf_map__max_entries(void *map)"),
    bpf_map__set_max_entries: bpf.func("int bpf_map__set_max_entries(void *map, uint32_t n)"),
    bpf_map__initial_value: bpf.func("void *bpf_map__initial_value(void *map, _Out_ size_t *psize)"),
    bpf_link__fd: bpf.func("int bpf_link__fd(void *link)"),
    bpf_iter_create: bpf.func("int bpf_iter_create(int link_fd)"),
    read: libc.func("intptr_t read(int fd, _Out_ uint8_t *buf, size_t count)"),
    bpf_map__set_initial_value: bpf.func("int bpf_map__set_initial_value(void *map, const void *data, size_t size)"),
    bpf_map__reuse_fd: bpf.func("int bpf_map__reuse_fd(void *map, int fd)"),

    bpf_map_lookup_elem: bpf.func("int bpf_map_lookup_elem(int fd, const void *key, void *value)"),
    bpf_map_update_elem: bpf.func(
      "int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)",
    ),
    bpf_map_delete_elem: bpf.func("int bpf_map_delete_elem(int fd, const void *key)"),
    bpf_map_get_next_key: bpf.func("int bpf_map_get_next_key(int fd, const void *key, void *next_key)"),
    bpf_map_lookup_batch: bpf.func(
      "int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)",
    ),
    bpf_map_lookup_and_delete_batch: bpf.func(
      "int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, _Inout_ uint32_t *count, void *opts)",
    ),
    bpf_map__type: bpf.func("int bpf_map__type(void *map)"),
    bpf_map_delete_batch: bpf.func(
      "int bpf_map_delete_batch(int fd, const void *keys, _Inout_ uint32_t *count, void *opts)",
    ),

    ring_buffer__new: bpf.func("void *ring_buffer__new(int fd, ring_buffer_sample_fn *cb, void *ctx, void *opts)"),
    ring_buffer__consume: bpf.func("int ring_buffer__consume(void *rb)"),
    ring_buffer__free: bpf.func("void ring_buffer__free(void *rb)"),

    bpf_map_create: bpf.func(
      "int bpf_map_create(int map_type, const char *map_name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, void *opts)",
    ),
    // mmap'ed ring buffers (percpu-rings.ts): the data pages are read in place, never copied through a callback
    mmap: libc.func("void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)"),
    munmap: libc.func("int munmap(void *addr, size_t length)"),
    getpagesize: libc.func("int getpagesize(void)"),
    vsnprintf: libc.func("int vsnprintf(_Out_ uint8_t *buf, size_t size, const char *fmt, void *ap)"),
    close: libc.func("int close(int fd)"),
  };
}

/** The bindings, loaded on first use (so importing bpflab for replay never needs libbpf). */
export function libbpf(): ReturnType<typeof bind> {
  if (!lib) lib = bind();
  return lib;
}

/** errno after a libbpf call that returned NULL. */
export function lastErrno(): number {
  return koffi.errno();
}

/** Text of a (positive or negative) errno. */
export function strerror(err: number): string {
  const buf = Buffer.alloc(256);
  libbpf().libbpf_strerror(-Math.abs(err), buf, buf.length);
  const text = buf.toString("utf8", 0, buf.indexOf(0) >= 0 ? buf.indexOf(0) : buf.length);
  return `${text} (${errnoName(err)})`;
}

const ERRNO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(koffi.os.errno).map(([k, v]) => [v, k]));

export function errnoName(err: number): string {
  return ERRNO_NAMES[Math.abs(err)] ?? `errno ${Math.abs(err)}`;
}

export { koffi };
