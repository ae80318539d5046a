// h5.h — a small RAII layer over the HDF5 C API.
//
// Every HDF5 identifier is owned by exactly one object and closed in its
// destructor (HighFive style). Errors become grok::h5::Error exceptions with
// one-line messages; HDF5's own error-stack printing is switched off when the
// first object is opened, so a bad file never floods the terminal.
//
// Only what grokscope needs: files (optionally SWMR), groups, chunked and
// extendable datasets of a few numeric types, string/number attributes and
// dimension scales.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace grok::h5 {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Shape = std::vector<hsize_t>;

// Owns one hid_t; closes it with the matching H5*close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset();
  // Gives up ownership without closing.
  hid_t release() {
    hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// Maps a C++ element type to its native HDF5 type.
template <class T>
hid_t native_type();

// Anything that can carry attributes (file root, group, dataset).
class Object {
 public:
  hid_t id() const { return handle_.id(); }
  bool has_attr(const std::string& name) const;
  void set_attr(const std::string& name, const std::string& value);
  void set_attr(const std::string& name, const char* value) { set_attr(name, std::string(value)); }
  void set_attr(const std::string& name, double value);
  void set_attr(const std::string& name, int64_t value);
  void set_attr(const std::string& name, const std::vector<int64_t>& values);
  std::string attr_string(const std::string& name) const;
  double attr_double(const std::string& name) const;
  int64_t attr_int(const std::string& name) const;
  std::vector<int64_t> attr_ints(const std::string& name) const;

 protected:
  Object() = default;
  explicit Object(Handle h) : handle_(std::move(h)) {}
  Handle handle_;
};

// How to lay out a new dataset. Zero-filled `max_shape` entries mean "same as
// shape"; H5S_UNLIMITED makes an axis extendable (needs a chunk shape).
struct Layout {
  Shape chunk;      // empty: contiguous
  Shape max_shape;  // empty: fixed size
  int gzip = 0;     // 0: no compression; 1..9: deflate level (with shuffle)
};

class Dataset : public Object {
 public:
  explicit Dataset(Handle h) : Object(std::move(h)) {}
  Shape shape() const;
  bool extendable() const;    // axis 0 is unlimited
  hid_t stored_type() const;  // caller must H5Tclose (use for inspection only)
  std::string name() const;

  // Whole-dataset I/O. Sizes are checked against the dataset's shape.
  template <class T>
  void write(const std::vector<T>& data) {
    write_raw(native_type<T>(), data.data(), data.size());
  }
  template <class T>
  std::vector<T> read() const {
    std::vector<T> out(element_count());
    read_raw(native_type<T>(), out.data(), out.size());
    return out;
  }
  // Extends axis 0 by one row and writes `row` (one item's worth of elements).
  template <class T>
  void append(const std::vector<T>& row) {
    append_raw(native_type<T>(), row.data(), row.size());
  }
  // Pointer forms of the above (n elements).
  template <class T>
  void write(const T* data, size_t n) {
    write_raw(native_type<T>(), data, n);
  }
  template <class T>
  void append(const T* data, size_t n) {
    append_raw(native_type<T>(), data, n);
  }
  template <class T>
  void read(T* out, size_t n) const {
    read_raw(native_type<T>(), out, n);
  }
  template <class T>
  void read_row(hsize_t i, T* out, size_t n) const {
    if (n != row_elements()) throw Error("size mismatch reading a row of " + name());
    read_row_raw(native_type<T>(), i, out);
  }
  // Reads row `i` along axis 0.
  template <class T>
  std::vector<T> read_row(hsize_t i) const {
    std::vector<T> out(row_elements());
    read_row_raw(native_type<T>(), i, out.data());
    return out;
  }
  // A 1-D dataset of variable-length UTF-8 strings (Group::create_strings).
  std::vector<std::string> read_strings() const;
  // Shrinks or grows axis 0 (chunked datasets only).
  void resize_rows(hsize_t rows);
  size_t element_count() const;
  size_t row_elements() const;

  // Dimension scales: make this dataset a scale named `dim_name`, or attach a
  // scale to axis `axis` of this dataset.
  void make_scale(const std::string& dim_name);
  void attach_scale(const Dataset& scale, unsigned axis);
  void set_axis_label(unsigned axis, const std::string& label);
  void flush();

  // Chunked storage, for writing chunks that were filtered off HDF5's global lock.
  Shape chunk_shape() const;  // empty when contiguous
  // The deflate level when the filter pipeline is exactly grokscope's (shuffle, then deflate);
  // 0 for no filters; -1 for any other pipeline.
  int shuffle_deflate_level() const;
  // Stores `bytes`, already through the dataset's filters (see filter_chunk), as the chunk
  // whose first element is at `offset`.
  void write_stored_chunk(const Shape& offset, const std::vector<unsigned char>& bytes);
  // The stored (filtered) bytes of the chunk at `offset`, for tests.
  std::vector<unsigned char> read_stored_chunk(const Shape& offset) const;

 private:
  void write_raw(hid_t type, const void* data, size_t n);
  void read_raw(hid_t type, void* data, size_t n) const;
  void append_raw(hid_t type, const void* data, size_t n);
  void read_row_raw(hid_t type, hsize_t i, void* data) const;
};

// One chunk of `n` floats through HDF5's shuffle + deflate pipeline (byte-shuffle, then a zlib
// stream at `level`, made by libdeflate): what write_stored_chunk stores, so that HDF5, h5py or
// any reader inflates it as if H5Dwrite had filtered it. Callable on any thread.
std::vector<unsigned char> filter_chunk(const float* data, size_t n, int level);

class Group : public Object {
 public:
  explicit Group(Handle h) : Object(std::move(h)) {}
  bool exists(const std::string& path) const;
  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  Group require_group(const std::string& name);
  template <class T>
  Dataset create_dataset(const std::string& name, const Shape& shape, const Layout& layout = {}) {
    return create_raw(name, native_type<T>(), shape, layout);
  }
  Dataset open_dataset(const std::string& name) const;
  // A 1-D dataset of variable-length UTF-8 strings (h5py reads bytes objects; .asstr() gives str).
  Dataset create_strings(const std::string& name, const std::vector<std::string>& values);
  std::vector<std::string> children() const;  // sorted by name
  // Copies child `name` (a group with everything under it, or a dataset) into `dst`.
  void copy_child(const std::string& name, Group& dst) const;
  bool is_group(const std::string& name) const;

 private:
  Dataset create_raw(const std::string& name, hid_t type, const Shape& shape, const Layout& layout);
};

enum class Mode { ReadOnly, ReadWrite, ReadSwmr };

class File {
 public:
  // Fails (Error) if the file exists; `swmr_format` selects the latest file
  // format so that start_swmr_write() can be called later.
  static File create(const std::string& path, bool swmr_format);
  static File open(const std::string& path, Mode mode);
  Group root() const;
  void start_swmr_write();
  void flush();
  void close();
  bool is_open() const { return handle_.valid(); }

 private:
  explicit File(Handle h) : handle_(std::move(h)) {}
  Handle handle_;
};

// True when `path` is an HDF5 file (signature check, no exception).
bool is_hdf5(const std::string& path);

// True when the file's superblock still says "open for writing": a SWMR writer was
// killed, or is running. Plain (non-SWMR) readers refuse such a file.
bool open_for_write_flag(const std::string& path);
// Clears that flag, as `h5clear -s` does. Only safe when no writer is alive (WriterLock).
void clear_open_for_write_flag(const std::string& path);

// HDF5 1.10.8 itself loops for ever or crashes on some damaged files (a damaged global heap
// under a variable-length string, a damaged dense link table: docs/fuzzing.md) — inside one
// call, on structures only HDF5 parses. So before a tool reads a file it did not just write, a
// child process reads what HDF5 parses first: every object header, every attribute in full
// (variable-length strings included), every group's links, every variable-length dataset.
// Throws Error("... damaged: HDF5 crashed reading its metadata" or "... did not
// finish reading its metadata within S s") when the child dies or overruns `limit_seconds`;
// returns otherwise, also when HDF5 merely reports an error (the caller's reader explains it).
// Costs a fork and a metadata walk (about 20 ms for a run file, small or large). Call it before this process has
// other threads using HDF5 (a fork copies only the calling thread).
void check_metadata_in_child(const std::string& path, double limit_seconds = 60.0);

}  // namespace grok::h5
