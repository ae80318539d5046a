// h5.cpp — the RAII layer over the HDF5 C API (see h5.h).
#include "grok/h5/h5.h"

#include <H5DSpublic.h>
#include <libdeflate.h>

#include <fcntl.h>
#include <fmt/core.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <thread>

namespace grok::h5 {
namespace {

// HDF5 prints its whole error stack to stderr by default; we report errors
// ourselves as one-line exceptions instead. Idempotent.
void silence_hdf5_errors() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

constexpr unsigned kSwmrReadAttempts = 25;

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw Error(what);
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw Error(what);
}

Handle dataspace(const Shape& shape, const Shape& max_shape = {}) {
  return Handle(check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(),
                                       max_shape.empty() ? nullptr : max_shape.data()),
                      "cannot create dataspace"),
                H5Sclose);
}

Handle plist(hid_t cls) { return Handle(check(H5Pcreate(cls), "cannot create property list"), H5Pclose); }

std::string object_name(hid_t id) {
  ssize_t n = H5Iget_name(id, nullptr, 0);
  if (n <= 0) return "?";
  std::string s(static_cast<size_t>(n), '\0');
  H5Iget_name(id, s.data(), s.size() + 1);
  return s;
}

Handle open_attr(hid_t obj, const std::string& name) {
  return Handle(
      check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "missing attribute '" + name + "' on " + object_name(obj)),
      H5Aclose);
}

// Replaces attribute `name` with a new one of the given type and space.
Handle fresh_attr(hid_t obj, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  return Handle(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot write attribute '" + name + "' on " + object_name(obj)),
                H5Aclose);
}

template <class T>
void write_numeric_attr(hid_t obj, const std::string& name, const T* values, hsize_t n, bool scalar) {
  // An empty list gets a null dataspace (h5py reads it as h5py.Empty): a
  // simple dataspace cannot have zero elements in an attribute.
  Handle space = scalar   ? Handle(H5Screate(H5S_SCALAR), H5Sclose)
                 : n == 0 ? Handle(H5Screate(H5S_NULL), H5Sclose)
                          : dataspace({n});
  Handle attr = fresh_attr(obj, name, native_type<T>(), space.id());
  if (!scalar && n == 0) return;  // nothing to write into a null dataspace
  check_status(H5Awrite(attr.id(), native_type<T>(), values), "cannot write attribute '" + name + "'");
}

}  // namespace

template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<uint8_t>() {
  return H5T_NATIVE_UINT8;
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

// ---------------------------------------------------------------- attributes

bool Object::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

void Object::set_attr(const std::string& name, const std::string& value) {
  // Variable-length UTF-8: h5py returns str, h5dump prints the text.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = fresh_attr(id(), name, type.id(), space.id());
  const char* ptr = value.c_str();
  check_status(H5Awrite(attr.id(), type.id(), &ptr), "cannot write attribute '" + name + "'");
}

void Object::set_attr(const std::string& name, double value) { write_numeric_attr(id(), name, &value, 1, true); }
void Object::set_attr(const std::string& name, int64_t value) { write_numeric_attr(id(), name, &value, 1, true); }
void Object::set_attr(const std::string& name, const std::vector<int64_t>& values) {
  write_numeric_attr(id(), name, values.data(), values.size(), false);
}

std::string Object::attr_string(const std::string& name) const {
  Handle attr = open_attr(id(), name);
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(type.id()) != H5T_STRING) throw Error("attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
    char* ptr = nullptr;
    check_status(H5Aread(attr.id(), mem.id(), &ptr), "cannot read attribute '" + name + "'");
    std::string out = ptr ? ptr : "";
    H5free_memory(ptr);
    return out;
  }
  size_t size = H5Tget_size(type.id());
  std::string out(size, '\0');
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.id(), size);
  H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
  check_status(H5Aread(attr.id(), mem.id(), out.data()), "cannot read attribute '" + name + "'");
  out.erase(std::find(out.begin(), out.end(), '\0'), out.end());
  return out;
}

double Object::attr_double(const std::string& name) const {
  Handle attr = open_attr(id(), name);
  double v = 0;
  check_status(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v), "attribute '" + name + "' is not a number");
  return v;
}

int64_t Object::attr_int(const std::string& name) const {
  Handle attr = open_attr(id(), name);
  int64_t v = 0;
  check_status(H5Aread(attr.id(), H5T_NATIVE_INT64, &v), "attribute '" + name + "' is not an integer");
  return v;
}

std::vector<int64_t> Object::attr_ints(const std::string& name) const {
  Handle attr = open_attr(id(), name);
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  hssize_t n = H5Sget_simple_extent_type(space.id()) == H5S_NULL ? 0 : H5Sget_simple_extent_npoints(space.id());
  std::vector<int64_t> v(static_cast<size_t>(std::max<hssize_t>(n, 0)));
  if (v.empty()) return v;
  check_status(H5Aread(attr.id(), H5T_NATIVE_INT64, v.data()), "attribute '" + name + "' is not integers");
  return v;
}

// ---------------------------------------------------------------- datasets

Shape Dataset::shape() const {
  Handle space(check(H5Dget_space(id()), "cannot read dataspace"), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.id());
  Shape dims(static_cast<size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

bool Dataset::extendable() const {
  Handle space(check(H5Dget_space(id()), "cannot read dataspace"), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 1) return false;
  Shape dims(static_cast<size_t>(rank)), max_dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), max_dims.data());
  return max_dims[0] == H5S_UNLIMITED;
}

hid_t Dataset::stored_type() const { return H5Dget_type(id()); }
std::string Dataset::name() const { return object_name(id()); }

size_t Dataset::element_count() const {
  Shape s = shape();
  return std::accumulate(s.begin(), s.end(), size_t{1}, [](size_t a, hsize_t b) { return a * b; });
}

size_t Dataset::row_elements() const {
  Shape s = shape();
  if (s.empty()) return 1;
  return std::accumulate(s.begin() + 1, s.end(), size_t{1}, [](size_t a, hsize_t b) { return a * b; });
}

void Dataset::write_raw(hid_t type, const void* data, size_t n) {
  if (n != element_count())
    throw Error("size mismatch writing " + name() + ": " + std::to_string(n) + " elements for " +
                std::to_string(element_count()));
  check_status(H5Dwrite(id(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write " + name() + " (disk full?)");
}

void Dataset::read_raw(hid_t type, void* data, size_t n) const {
  if (n != element_count()) throw Error("size mismatch reading " + name());
  check_status(H5Dread(id(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot read " + name());
}

void Dataset::resize_rows(hsize_t rows) {
  Shape s = shape();
  if (s.empty()) throw Error("cannot resize scalar " + name());
  s[0] = rows;
  check_status(H5Dset_extent(id(), s.data()), "cannot resize " + name() + " (disk full?)");
}

// Selects row `row` of a dataset with shape `s` (a hyperslab of thickness 1 on axis 0).
static Handle row_selection(hid_t dset, hsize_t row) {
  Handle space(check(H5Dget_space(dset), "cannot read dataspace"), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.id());
  Shape dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  Shape start(dims.size(), 0), count = dims;
  start[0] = row;
  count[0] = 1;
  check_status(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
               "bad row selection");
  return space;
}

void Dataset::append_raw(hid_t type, const void* data, size_t n) {
  if (n != row_elements())
    throw Error("size mismatch appending to " + name() + ": " + std::to_string(n) + " elements for a row of " +
                std::to_string(row_elements()));
  Shape s = shape();
  hsize_t row = s[0];
  resize_rows(row + 1);
  Handle file_space = row_selection(id(), row);
  Shape mem_shape = shape();
  mem_shape[0] = 1;
  Handle mem_space = dataspace(mem_shape);
  check_status(H5Dwrite(id(), type, mem_space.id(), file_space.id(), H5P_DEFAULT, data),
               "cannot append to " + name() + " (disk full?)");
}

void Dataset::read_row_raw(hid_t type, hsize_t i, void* data) const {
  Shape s = shape();
  if (s.empty() || i >= s[0]) throw Error("row " + std::to_string(i) + " out of range in " + name());
  Handle file_space = row_selection(id(), i);
  s[0] = 1;
  Handle mem_space = dataspace(s);
  check_status(H5Dread(id(), type, mem_space.id(), file_space.id(), H5P_DEFAULT, data), "cannot read " + name());
}

Shape Dataset::chunk_shape() const {
  Handle dcpl(check(H5Dget_create_plist(id()), "cannot read creation properties of " + name()), H5Pclose);
  if (H5Pget_layout(dcpl.id()) != H5D_CHUNKED) return {};
  Shape chunk(static_cast<size_t>(std::max(H5Pget_chunk(dcpl.id(), 0, nullptr), 0)));
  H5Pget_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data());
  return chunk;
}

int Dataset::shuffle_deflate_level() const {
  Handle dcpl(check(H5Dget_create_plist(id()), "cannot read creation properties of " + name()), H5Pclose);
  const int n = H5Pget_nfilters(dcpl.id());
  if (n == 0) return 0;
  if (n != 2) return -1;
  unsigned flags = 0, values[4] = {};
  size_t n_values = 4;
  if (H5Pget_filter2(dcpl.id(), 0, &flags, &n_values, values, 0, nullptr, nullptr) != H5Z_FILTER_SHUFFLE) return -1;
  n_values = 4;
  if (H5Pget_filter2(dcpl.id(), 1, &flags, &n_values, values, 0, nullptr, nullptr) != H5Z_FILTER_DEFLATE ||
      n_values < 1)
    return -1;
  return static_cast<int>(values[0]);
}

void Dataset::write_stored_chunk(const Shape& offset, const std::vector<unsigned char>& bytes) {
  check_status(H5Dwrite_chunk(id(), H5P_DEFAULT, 0, offset.data(), bytes.size(), bytes.data()),
               "cannot write a chunk of " + name() + " (disk full?)");
}

std::vector<unsigned char> Dataset::read_stored_chunk(const Shape& offset) const {
  hsize_t size = 0;
  check_status(H5Dget_chunk_storage_size(id(), offset.data(), &size), "no stored chunk there in " + name());
  std::vector<unsigned char> bytes(size);
  uint32_t filters = 0;
  check_status(H5Dread_chunk(id(), H5P_DEFAULT, offset.data(), &filters, bytes.data()),
               "cannot read a chunk of " + name());
  return bytes;
}

std::vector<unsigned char> filter_chunk(const float* data, size_t n, int level) {
  // HDF5's shuffle filter: byte k of every element, then byte k + 1 of every element, ...
  constexpr size_t width = sizeof(float);
  const auto* in = reinterpret_cast<const unsigned char*>(data);
  std::vector<unsigned char> shuffled(n * width);
  for (size_t k = 0; k < width; ++k)
    for (size_t i = 0; i < n; ++i) shuffled[k * n + i] = in[i * width + k];
  // HDF5's deflate filter stores a zlib stream (RFC 1950), which any zlib inflates; libdeflate
  // writes one about twice as fast as zlib's compress2 at the same level, and as small.
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> compressor(
      libdeflate_alloc_compressor(level), &libdeflate_free_compressor);
  if (!compressor) throw Error("deflate level " + std::to_string(level) + " refused");
  std::vector<unsigned char> out(libdeflate_zlib_compress_bound(compressor.get(), shuffled.size()));
  const size_t size =
      libdeflate_zlib_compress(compressor.get(), shuffled.data(), shuffled.size(), out.data(), out.size());
  if (size == 0) throw Error("deflate failed");
  out.resize(size);
  return out;
}

void Dataset::make_scale(const std::string& dim_name) {
  check_status(H5DSset_scale(id(), dim_name.c_str()), "cannot make " + name() + " a dimension scale");
}

void Dataset::attach_scale(const Dataset& scale, unsigned axis) {
  check_status(H5DSattach_scale(id(), scale.id(), axis), "cannot attach scale to " + name());
}

void Dataset::set_axis_label(unsigned axis, const std::string& label) {
  check_status(H5DSset_label(id(), axis, label.c_str()), "cannot label axis of " + name());
}

void Dataset::flush() { check_status(H5Dflush(id()), "cannot flush " + name()); }

// ---------------------------------------------------------------- groups

bool Group::exists(const std::string& path) const {
  // Walk component by component: H5Lexists fails on a missing intermediate.
  size_t pos = 0;
  while (true) {
    size_t next = path.find('/', pos);
    std::string prefix = path.substr(0, next);
    if (!prefix.empty() && H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

Group Group::create_group(const std::string& name) {
  Handle lcpl = plist(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  return Group(Handle(
      check(H5Gcreate2(id(), name.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT), "cannot create group '" + name + "'"),
      H5Gclose));
}

Group Group::open_group(const std::string& name) const {
  return Group(Handle(check(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), "missing group '" + name + "'"), H5Gclose));
}

Group Group::require_group(const std::string& name) { return exists(name) ? open_group(name) : create_group(name); }

bool Group::is_group(const std::string& name) const {
  H5O_info_t info;
  if (H5Oget_info_by_name2(id(), name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

Dataset Group::create_raw(const std::string& name, hid_t type, const Shape& shape, const Layout& layout) {
  Handle space = dataspace(shape, layout.max_shape);
  Handle dcpl = plist(H5P_DATASET_CREATE);
  if (!layout.chunk.empty()) {
    check_status(H5Pset_chunk(dcpl.id(), static_cast<int>(layout.chunk.size()), layout.chunk.data()),
                 "bad chunk shape for '" + name + "'");
    if (layout.gzip > 0) {
      H5Pset_shuffle(dcpl.id());
      H5Pset_deflate(dcpl.id(), static_cast<unsigned>(layout.gzip));
    }
  }
  Handle lcpl = plist(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  return Dataset(Handle(check(H5Dcreate2(id(), name.c_str(), type, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT),
                              "cannot create dataset '" + name + "'"),
                        H5Dclose));
}

namespace {
Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  return type;
}
}  // namespace

Dataset Group::create_strings(const std::string& name, const std::vector<std::string>& values) {
  Handle type = utf8_string_type();
  Dataset ds = create_raw(name, type.id(), {values.size()}, {});
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (!ptrs.empty())
    check_status(H5Dwrite(ds.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                 "cannot write dataset '" + name + "'");
  return ds;
}

std::vector<std::string> Dataset::read_strings() const {
  Handle stored(H5Dget_type(id()), H5Tclose);
  if (H5Tget_class(stored.id()) != H5T_STRING || H5Tis_variable_str(stored.id()) <= 0)
    throw Error("dataset '" + name() + "' is not a variable-length string dataset");
  std::vector<char*> ptrs(element_count(), nullptr);
  Handle type = utf8_string_type();
  if (!ptrs.empty())
    check_status(H5Dread(id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
                 "cannot read dataset '" + name() + "'");
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

Dataset Group::open_dataset(const std::string& name) const {
  return Dataset(Handle(check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), "missing dataset '" + name + "'"), H5Dclose));
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  check_status(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), "cannot list group");
  return names;
}

namespace {

herr_t scale_path(hid_t, unsigned, hid_t scale, void* out) {
  const ssize_t n = H5Iget_name(scale, nullptr, 0);
  if (n <= 0) return -1;
  std::string path(static_cast<size_t>(n) + 1, '\0');
  H5Iget_name(scale, path.data(), path.size());
  path.resize(static_cast<size_t>(n));
  *static_cast<std::string*>(out) = path;
  return 1;  // the first scale of the axis is enough
}

// The dimension scales of the datasets under `src` (a group of another file) attached
// again to their copies under `copy` (same names, same absolute paths): H5Ocopy copies a
// scale's DIMENSION_LIST / REFERENCE_LIST attributes as raw object addresses of the source
// file, which in the new file point at whatever sits there (h5py then fails in
// H5DSiterate_scales, or names the wrong scale).
void reattach_scales(const Group& src, Group& copy) {
  std::vector<std::string> datasets;
  for (const std::string& child : src.children()) {
    if (src.is_group(child)) {
      Group sub = copy.open_group(child);
      reattach_scales(src.open_group(child), sub);
      continue;
    }
    Dataset d = copy.open_dataset(child);
    for (const char* stale : {"DIMENSION_LIST", "REFERENCE_LIST"})
      if (H5Aexists(d.id(), stale) > 0) H5Adelete(d.id(), stale);
    datasets.push_back(child);
  }
  for (const std::string& child : datasets) {
    Dataset s = src.open_dataset(child);
    if (H5DSis_scale(s.id()) > 0) continue;
    const auto rank = static_cast<unsigned>(s.shape().size());
    for (unsigned axis = 0; axis < rank; ++axis) {
      if (H5DSget_num_scales(s.id(), axis) <= 0) continue;
      std::string path;
      if (H5DSiterate_scales(s.id(), axis, nullptr, scale_path, &path) < 0 || path.empty()) continue;
      if (!copy.exists(path)) continue;  // a scale outside the copied group: left detached
      Dataset scale = copy.open_dataset(path);
      copy.open_dataset(child).attach_scale(scale, axis);
    }
  }
}

}  // namespace

void Group::copy_child(const std::string& name, Group& dst) const {
  check_status(H5Ocopy(id(), name.c_str(), dst.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot copy '" + name + "'");
  if (is_group(name)) {
    Group copy = dst.open_group(name);
    reattach_scales(open_group(name), copy);
  }
}

// ---------------------------------------------------------------- files

File File::create(const std::string& path, bool swmr_format) {
  silence_hdf5_errors();
  Handle fapl = plist(H5P_FILE_ACCESS);
  if (swmr_format) H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.id());
  if (id < 0) throw Error("cannot create " + path);
  return File(Handle(id, H5Fclose));
}

File File::open(const std::string& path, Mode mode) {
  silence_hdf5_errors();
  if (!is_hdf5(path)) throw Error(path + " is not an HDF5 file (or cannot be read)");
  Handle fapl = plist(H5P_FILE_ACCESS);
  // Closing the file closes every object still open in it, so the file really is released
  // (a writer waiting to reopen it, e.g. RunWriter::finish, is not held up by a reader).
  H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG);
  unsigned flags = H5F_ACC_RDONLY;
  if (mode == Mode::ReadWrite) {
    flags = H5F_ACC_RDWR;
    H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  } else if (mode == Mode::ReadSwmr) {
    flags = H5F_ACC_RDONLY | H5F_ACC_SWMR_READ;
    // An SWMR reader retries a metadata read whose checksum fails (the writer may be mid-update),
    // sleeping 1, 2, 4, ... ns in between: HDF5 1.10's default of 100 attempts never ends on a
    // damaged file (2^100 ns). 25 attempts wait at most 2^25 ns = 34 ms per damaged block.
    H5Pset_metadata_read_attempts(fapl.id(), kSwmrReadAttempts);
  }
  hid_t id = H5Fopen(path.c_str(), flags, fapl.id());
  if (id < 0) throw Error("cannot open " + path + " (in use by a running writer, or damaged)");
  return File(Handle(id, H5Fclose));
}

Group File::root() const {
  return Group(Handle(check(H5Gopen2(handle_.id(), "/", H5P_DEFAULT), "cannot open root group"), H5Gclose));
}

void File::start_swmr_write() { check_status(H5Fstart_swmr_write(handle_.id()), "cannot start SWMR writing"); }

void File::flush() { check_status(H5Fflush(handle_.id(), H5F_SCOPE_GLOBAL), "cannot flush file (disk full?)"); }

void File::close() {
  if (!handle_.valid()) return;
  // The id is gone either way; never close it twice.
  herr_t status = H5Fclose(handle_.release());
  check_status(status, "cannot close file (disk full?)");
}

bool open_for_write_flag(const std::string& path) {
  silence_hdf5_errors();
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id >= 0) H5Fclose(id);
  return id < 0 && is_hdf5(path);
}

void clear_open_for_write_flag(const std::string& path) {
  silence_hdf5_errors();
  Handle fapl = plist(H5P_FILE_ACCESS);
  // The file-access property h5clear sets (HDF5 1.10's H5F_ACS_CLEAR_STATUS_FLAGS_NAME).
  hbool_t clear = true;
  check_status(H5Pset(fapl.id(), "clear_status_flags", &clear), "cannot ask HDF5 to clear status flags");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id());
  if (id < 0) throw Error("cannot clear the open-for-write flag of " + path + " (damaged?)");
  check_status(H5Fclose(id), "cannot close " + path);
}

bool is_hdf5(const std::string& path) {
  silence_hdf5_errors();
  return H5Fis_hdf5(path.c_str()) > 0;
}

namespace {

// ---- check_metadata_in_child: the child's walk. Errors are ignored (the walk reads on past
// them): only a crash or a hang is the verdict, and the parent's reader reports the rest.

// Reads `n` elements of `mem_type` with `read` and frees what variable-length data it allocated.
template <class Read>
void read_and_reclaim(hid_t mem_type, hid_t space, Read&& read) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const size_t size = H5Tget_size(mem_type);
  constexpr size_t kMaxBytes = size_t{1} << 26;  // a damaged extent must not make the walk allocate
  if (n < 0 || size == 0 || static_cast<size_t>(n) > kMaxBytes / size) return;
  std::vector<char> buffer(static_cast<size_t>(n) * size);
  if (read(buffer.data()) < 0) return;
  if (H5Tdetect_class(mem_type, H5T_VLEN) > 0 || H5Tis_variable_str(mem_type) > 0)
    H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, buffer.data());
}

herr_t read_attribute(hid_t object, const char* name, const H5A_info_t*, void*) {
  Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) return 0;
  Handle file_type(H5Aget_type(attribute.id()), H5Tclose);
  Handle space(H5Aget_space(attribute.id()), H5Sclose);
  if (!file_type.valid() || !space.valid()) return 0;
  Handle mem_type(H5Tget_native_type(file_type.id(), H5T_DIR_ASCEND), H5Tclose);
  if (!mem_type.valid()) return 0;
  read_and_reclaim(mem_type.id(), space.id(),
                   [&](void* buffer) { return H5Aread(attribute.id(), mem_type.id(), buffer); });
  return 0;
}

herr_t count_link(hid_t, const char*, const H5L_info_t*, void* count) {
  ++*static_cast<size_t*>(count);
  return 0;
}

// A dataset of variable-length data lives in the global heap, like a string attribute: read it.
void read_variable_length_dataset(hid_t dataset) {
  Handle file_type(H5Dget_type(dataset), H5Tclose);
  if (!file_type.valid() || (H5Tdetect_class(file_type.id(), H5T_VLEN) <= 0 && H5Tis_variable_str(file_type.id()) <= 0))
    return;
  Handle space(H5Dget_space(dataset), H5Sclose);
  Handle mem_type(H5Tget_native_type(file_type.id(), H5T_DIR_ASCEND), H5Tclose);
  if (!space.valid() || !mem_type.valid()) return;
  read_and_reclaim(mem_type.id(), space.id(), [&](void* buffer) {
    return H5Dread(dataset, mem_type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  });
}

herr_t walk_object(hid_t root, const char* name, const H5O_info_t* info, void*) {
  Handle object(H5Oopen(root, name, H5P_DEFAULT), H5Oclose);
  if (!object.valid()) return 0;
  hsize_t at = 0;
  H5Aiterate2(object.id(), H5_INDEX_NAME, H5_ITER_NATIVE, &at, read_attribute, nullptr);
  if (info->type == H5O_TYPE_GROUP) {
    size_t links = 0;
    H5Literate(object.id(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, count_link, &links);
  } else if (info->type == H5O_TYPE_DATASET) {
    read_variable_length_dataset(object.id());
  }
  return 0;
}

// The child: open as a plain reader, else as an SWMR reader (a file whose writer is alive or
// was killed), and walk every object.
[[noreturn]] void walk_metadata_and_exit(const std::string& path) {
  // Whatever a crash prints (a sanitizer's report) is not for the user: the parent says it.
  const int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) ::dup2(devnull, STDERR_FILENO), ::dup2(devnull, STDOUT_FILENO);
  silence_hdf5_errors();
  for (Mode mode : {Mode::ReadOnly, Mode::ReadSwmr}) {
    try {
      const File file = File::open(path, mode);
      H5Ovisit2(file.root().id(), H5_INDEX_NAME, H5_ITER_NATIVE, walk_object, nullptr, H5O_INFO_BASIC);
      break;
    } catch (const Error&) {}
  }
  std::_Exit(0);  // no atexit handlers, no destructors of the parent's objects
}

}  // namespace

void check_metadata_in_child(const std::string& path, double limit_seconds) {
  const pid_t child = ::fork();
  if (child < 0) return;  // no child to spare: read the file as before
  if (child == 0) walk_metadata_and_exit(path);
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(limit_seconds);
  int status = 0;
  auto wait_delay = std::chrono::microseconds(200);
  while (::waitpid(child, &status, WNOHANG) == 0) {
    if (clock::now() > deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      throw Error(
          fmt::format("{} is damaged: HDF5 did not finish reading its metadata within {:g} s", path, limit_seconds));
    }
    std::this_thread::sleep_for(wait_delay);
    wait_delay = std::min(wait_delay * 2, std::chrono::microseconds(20000));
  }
  // The walk exits 0 however HDF5 answers; anything else is a crash (a sanitizer's report ends
  // the child with its own status or signal, so the message names neither).
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(path + " is damaged: HDF5 crashed reading its metadata");
}

}  // namespace grok::h5
