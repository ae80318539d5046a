// tensor_io.cpp — float32 tensors <-> HDF5 datasets.
#include "grok/runfile/tensor_io.h"

#include <algorithm>

namespace grok {
namespace {

// Run files hold CPU float32 whatever device a tensor lives on.
at::Tensor as_float_contiguous(const at::Tensor& t) { return t.detach().to(at::kCPU, at::kFloat).contiguous(); }

std::vector<int64_t> to_sizes(const h5::Shape& s) { return {s.begin(), s.end()}; }

}  // namespace

h5::Shape shape_of(const at::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

h5::Layout row_layout(const std::vector<int64_t>& item_shape, int gzip) {
  h5::Layout layout;
  layout.max_shape.push_back(H5S_UNLIMITED);
  layout.chunk.push_back(1);
  size_t chunk_elems = 1;
  for (int64_t d : item_shape) {
    layout.max_shape.push_back(static_cast<hsize_t>(d));
    layout.chunk.push_back(static_cast<hsize_t>(std::max<int64_t>(d, 1)));
    chunk_elems *= static_cast<size_t>(std::max<int64_t>(d, 1));
  }
  // Keep chunks under 4 MiB: halve the last axis until they fit (a reader
  // slicing a few neurons then decompresses only a few chunks).
  constexpr size_t kMaxChunkElems = (4u << 20) / sizeof(float);
  while (chunk_elems > kMaxChunkElems && layout.chunk.back() > 1) {
    layout.chunk.back() = (layout.chunk.back() + 1) / 2;
    chunk_elems = 1;
    for (hsize_t c : layout.chunk) chunk_elems *= c;
  }
  layout.gzip = gzip;
  return layout;
}

h5::Dataset create_rows(h5::Group& group, const std::string& name, const std::vector<int64_t>& item_shape, int gzip) {
  h5::Shape shape{0};
  for (int64_t d : item_shape) shape.push_back(static_cast<hsize_t>(d));
  return group.create_dataset<float>(name, shape, row_layout(item_shape, gzip));
}

void write_tensor(h5::Dataset& dset, const at::Tensor& t) {
  at::Tensor c = as_float_contiguous(t);
  dset.write(c.data_ptr<float>(), static_cast<size_t>(c.numel()));
}

void append_tensor(h5::Dataset& dset, const at::Tensor& t) {
  at::Tensor c = as_float_contiguous(t);
  dset.append(c.data_ptr<float>(), static_cast<size_t>(c.numel()));
}

at::Tensor read_tensor(const h5::Dataset& dset) {
  at::Tensor t = at::empty(to_sizes(dset.shape()), at::kFloat);
  dset.read(t.data_ptr<float>(), static_cast<size_t>(t.numel()));
  return t;
}

at::Tensor read_tensor_row(const h5::Dataset& dset, hsize_t row) {
  std::vector<int64_t> sizes = to_sizes(dset.shape());
  sizes.erase(sizes.begin());
  at::Tensor t = at::empty(sizes, at::kFloat);
  dset.read_row(row, t.data_ptr<float>(), static_cast<size_t>(t.numel()));
  return t;
}

}  // namespace grok
