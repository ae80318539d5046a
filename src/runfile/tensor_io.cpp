// tensor_io.cpp — float32 tensors <-> HDF5 datasets.
#include "grok/runfile/tensor_io.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <numeric>
#include <thread>

namespace grok {
namespace {

// Run files hold CPU float32 whatever device a tensor lives on.
at::Tensor as_float_contiguous(const at::Tensor& t) { return t.detach().to(at::kCPU, at::kFloat).contiguous(); }

std::vector<int64_t> to_sizes(const h5::Shape& s) { return {s.begin(), s.end()}; }

// Copies the block of `row` (contiguous, shape `dims`) that starts at `offset` into `chunk`
// (shape `chunk_dims`, zero-filled: HDF5 pads a partial edge chunk with the fill value, 0).
void gather_chunk(const float* row, const h5::Shape& dims, const h5::Shape& offset, const h5::Shape& chunk_dims,
                  float* chunk) {
  const size_t rank = dims.size();
  std::vector<hsize_t> row_stride(rank, 1), chunk_stride(rank, 1);
  for (size_t k = rank - 1; k > 0; --k) {
    row_stride[k - 1] = row_stride[k] * dims[k];
    chunk_stride[k - 1] = chunk_stride[k] * chunk_dims[k];
  }
  std::vector<hsize_t> extent(rank);  // the part of the chunk inside the row
  for (size_t k = 0; k < rank; ++k) extent[k] = std::min(chunk_dims[k], dims[k] - offset[k]);
  // Walk every position of the outer axes; the innermost axis is one memcpy.
  std::vector<hsize_t> at(rank, 0);
  while (true) {
    size_t src = 0, dst = 0;
    for (size_t k = 0; k < rank; ++k) {
      src += (offset[k] + at[k]) * row_stride[k];
      dst += at[k] * chunk_stride[k];
    }
    std::copy_n(row + src, extent[rank - 1], chunk + dst);
    size_t k = rank - 1;
    while (k > 0 && ++at[k - 1] == extent[k - 1]) at[--k] = 0;
    if (k == 0) break;
  }
}

// The chunks of one row appended to a dataset made by create_rows: where each starts in the item,
// and its bytes once filtered. Empty (no chunks) for a dataset HDF5 must filter itself: not one
// row per chunk along axis 0, or not grokscope's shuffle + deflate.
struct RowChunks {
  h5::Dataset* dset = nullptr;
  at::Tensor row;  // contiguous float32 on the CPU, the item's elements in C order
  int level = 0;
  h5::Shape dims, chunk_dims;                      // the item's shape and the chunk's (axis 0 dropped)
  std::vector<h5::Shape> offsets;                  // every chunk of the item, in C order
  std::vector<std::vector<unsigned char>> stored;  // per offset, filled by filter_rows
};

RowChunks plan_row(h5::Dataset& dset, const at::Tensor& row) {
  RowChunks plan;
  plan.dset = &dset;
  plan.row = row;
  plan.level = dset.shuffle_deflate_level();
  const h5::Shape shape = dset.shape(), chunk = dset.chunk_shape();
  if (plan.level <= 0 || chunk.size() != shape.size() || shape.size() < 2 || chunk[0] != 1) return plan;
  plan.dims.assign(shape.begin() + 1, shape.end());
  plan.chunk_dims.assign(chunk.begin() + 1, chunk.end());
  // Activations come as [p*p, ...] for an item of [p, p, ...]: same elements, same order.
  if (static_cast<hsize_t>(row.numel()) !=
      std::accumulate(plan.dims.begin(), plan.dims.end(), hsize_t{1}, std::multiplies<>()))
    return plan;
  plan.offsets = {h5::Shape(plan.dims.size(), 0)};
  for (size_t k = plan.dims.size(); k-- > 0;) {
    std::vector<h5::Shape> more;
    for (const h5::Shape& o : plan.offsets)
      for (hsize_t x = 0; x < plan.dims[k]; x += plan.chunk_dims[k]) {
        h5::Shape next = o;
        next[k] = x;
        more.push_back(next);
      }
    plan.offsets = std::move(more);
  }
  std::sort(plan.offsets.begin(), plan.offsets.end());
  plan.stored.resize(plan.offsets.size());
  return plan;
}

// Filters every chunk of every planned row on up to `threads` threads: the shuffle + deflate
// that H5Dwrite would do one chunk after another under HDF5's global lock.
void filter_rows(std::vector<RowChunks>& rows, int threads) {
  std::vector<std::pair<size_t, size_t>> jobs;  // (row, chunk)
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < rows[r].offsets.size(); ++c) jobs.emplace_back(r, c);
  std::vector<std::exception_ptr> errors(jobs.size());
  auto work = [&](size_t first, size_t stride) {
    std::vector<float> block;
    for (size_t j = first; j < jobs.size(); j += stride) {
      RowChunks& plan = rows[jobs[j].first];
      try {
        block.assign(std::accumulate(plan.chunk_dims.begin(), plan.chunk_dims.end(), hsize_t{1}, std::multiplies<>()),
                     0.0f);
        gather_chunk(plan.row.data_ptr<float>(), plan.dims, plan.offsets[jobs[j].second], plan.chunk_dims,
                     block.data());
        plan.stored[jobs[j].second] = h5::filter_chunk(block.data(), block.size(), plan.level);
      } catch (...) {
        errors[j] = std::current_exception();
      }
    }
  };
  const size_t workers =
      std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1, std::max<size_t>(jobs.size(), 1));
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w, workers);
  work(0, workers);
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

// Grows the dataset by one row and stores its filtered chunks, or hands the row to H5Dwrite.
void store_row(const RowChunks& plan) {
  if (plan.offsets.empty()) {
    plan.dset->append(plan.row.data_ptr<float>(), static_cast<size_t>(plan.row.numel()));
    return;
  }
  const hsize_t row = plan.dset->shape()[0];
  plan.dset->resize_rows(row + 1);
  for (size_t c = 0; c < plan.offsets.size(); ++c) {
    h5::Shape at{row};
    at.insert(at.end(), plan.offsets[c].begin(), plan.offsets[c].end());
    plan.dset->write_stored_chunk(at, plan.stored[c]);
  }
}

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

void append_tensor(h5::Dataset& dset, const at::Tensor& t, int threads) { append_rows({{&dset, t}}, threads); }

void append_rows(const std::vector<std::pair<h5::Dataset*, at::Tensor>>& rows, int threads) {
  if (threads == 0) threads = at::get_num_threads();
  std::vector<RowChunks> plans;
  for (const auto& [dset, t] : rows) {
    at::Tensor c = as_float_contiguous(t);
    RowChunks through_hdf5;
    through_hdf5.dset = dset;
    through_hdf5.row = c;
    plans.push_back(threads > 0 ? plan_row(*dset, c) : through_hdf5);
  }
  filter_rows(plans, threads);
  for (const RowChunks& plan : plans) store_row(plan);
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
