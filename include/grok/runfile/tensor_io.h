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

void write_tensor(h5::Dataset& dset, const at::Tensor& t);   // whole dataset
void append_tensor(h5::Dataset& dset, const at::Tensor& t);  // one more row
at::Tensor read_tensor(const h5::Dataset& dset);             // float32, dataset's shape
at::Tensor read_tensor_row(const h5::Dataset& dset, hsize_t row);

}  // namespace grok
