// tensor_io.h — moving float32 tensors in and out of HDF5 datasets.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "grok/h5/h5.h"

namespace grok {

h5::Shape shape_of(const at::Tensor& t);

// Layout of a dataset that grows by one item of `item_shape` per append:
// [0, item_shape...] extendable along axis 0, chunks of one item (trailing
// axis split so one chunk stays under 4 MiB), shuffle + gzip at `gzip`.
h5::Layout row_layout(const std::vector<int64_t>& item_shape, int gzip);

// Creates such a dataset (float32, initially 0 rows).
h5::Dataset create_rows(h5::Group& group, const std::string& name, const std::vector<int64_t>& item_shape, int gzip);

void write_tensor(h5::Dataset& dset, const at::Tensor& t);  // whole dataset
// One more row. A row of a dataset made by create_rows is shuffled and deflated on `threads`
// threads at once (0: LibTorch's intra-op count), off HDF5's global lock, then stored chunk by
// chunk: the stored bytes are those H5Dwrite would store. threads < 0: through H5Dwrite.
void append_tensor(h5::Dataset& dset, const at::Tensor& t, int threads = 0);
// One more row in each dataset, all their chunks filtered at once (a snapshot's hooks, a
// checkpoint's tensors: more chunks than threads even when each row is one chunk).
void append_rows(const std::vector<std::pair<h5::Dataset*, at::Tensor>>& rows, int threads = 0);
at::Tensor read_tensor(const h5::Dataset& dset);  // float32, dataset's shape
at::Tensor read_tensor_row(const h5::Dataset& dset, hsize_t row);

}  // namespace grok
