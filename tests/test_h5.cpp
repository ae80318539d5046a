// test_h5.cpp — the RAII HDF5 layer against the real library.
#include <catch2/catch.hpp>

#include <hdf5_hl.h>  // H5DSiterate_scales

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "grok/h5/h5.h"

namespace {

struct TempPath {
  std::string path;
  explicit TempPath(std::string p) : path(std::move(p)) { std::remove(path.c_str()); }
  ~TempPath() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("attributes round-trip with their types", "[h5]") {
  TempPath tmp("test_h5_attrs.h5");
  {
    auto f = grok::h5::File::create(tmp.path, false);
    auto root = f.root();
    root.set_attr("name", "grokscope");
    root.set_attr("unicode", "λ = 1");
    root.set_attr("lr", 1e-3);
    root.set_attr("p", int64_t{113});
    root.set_attr("list", std::vector<int64_t>{1, 2, 3});
    root.set_attr("empty", std::vector<int64_t>{});
    root.set_attr("p", int64_t{97});  // overwrite
  }
  auto f = grok::h5::File::open(tmp.path, grok::h5::Mode::ReadOnly);
  auto root = f.root();
  CHECK(root.attr_string("name") == "grokscope");
  CHECK(root.attr_string("unicode") == "λ = 1");
  CHECK(root.attr_double("lr") == 1e-3);
  CHECK(root.attr_int("p") == 97);
  CHECK(root.attr_ints("list") == std::vector<int64_t>{1, 2, 3});
  CHECK(root.attr_ints("empty").empty());
  CHECK_FALSE(root.has_attr("missing"));
  CHECK_THROWS_AS(root.attr_int("missing"), grok::h5::Error);
}

TEST_CASE("string datasets round-trip, empty strings and UTF-8 included", "[h5]") {
  TempPath tmp("test_h5_strings.h5");
  const std::vector<std::string> values{"complete", "", "λ = 1", "failed: exit 2"};
  {
    auto f = grok::h5::File::create(tmp.path, false);
    f.root().create_strings("rows/status", values);
    f.root().create_strings("none", {});
    f.root().create_dataset<double>("numbers", {2});
  }
  auto f = grok::h5::File::open(tmp.path, grok::h5::Mode::ReadOnly);
  CHECK(f.root().open_dataset("rows/status").read_strings() == values);
  CHECK(f.root().open_dataset("rows/status").shape() == grok::h5::Shape{4});
  CHECK(f.root().open_dataset("none").read_strings().empty());
  CHECK_THROWS_AS(f.root().open_dataset("numbers").read_strings(), grok::h5::Error);
}

TEST_CASE("extendable datasets append, truncate and read rows", "[h5]") {
  TempPath tmp("test_h5_rows.h5");
  {
    auto f = grok::h5::File::create(tmp.path, true);
    auto root = f.root();
    grok::h5::Layout layout{{1, 2, 3}, {H5S_UNLIMITED, 2, 3}, 4};
    auto d = root.create_dataset<float>("nested/group/rows", {0, 2, 3}, layout);
    f.start_swmr_write();
    for (int r = 0; r < 4; ++r) {
      std::vector<float> row(6);
      for (int i = 0; i < 6; ++i) row[static_cast<size_t>(i)] = static_cast<float>(10 * r + i);
      d.append(row);
    }
    CHECK(d.shape() == grok::h5::Shape{4, 2, 3});
    CHECK(d.extendable());
    CHECK_THROWS_AS(d.append(std::vector<float>(5)), grok::h5::Error);
  }
  auto f = grok::h5::File::open(tmp.path, grok::h5::Mode::ReadWrite);
  auto d = f.root().open_dataset("nested/group/rows");
  CHECK(d.read_row<float>(2) == std::vector<float>{20, 21, 22, 23, 24, 25});
  d.resize_rows(1);
  CHECK(d.shape()[0] == 1);
  CHECK_THROWS_AS(d.read_row<float>(1), grok::h5::Error);
  CHECK(f.root().exists("nested/group"));
  CHECK_FALSE(f.root().exists("nested/missing/rows"));
  CHECK(f.root().open_group("nested").children() == std::vector<std::string>{"group"});
}

TEST_CASE("files that are not HDF5 are refused with an error, not a crash", "[h5]") {
  TempPath tmp("test_h5_not_hdf5.h5");
  {
    std::ofstream f(tmp.path);
    f << "this is not an HDF5 file\n";
  }
  CHECK_FALSE(grok::h5::is_hdf5(tmp.path));
  CHECK_THROWS_AS(grok::h5::File::open(tmp.path, grok::h5::Mode::ReadOnly), grok::h5::Error);
  CHECK_THROWS_AS(grok::h5::File::open("/nonexistent/x.h5", grok::h5::Mode::ReadOnly), grok::h5::Error);
  CHECK_THROWS_AS(grok::h5::File::create("/nonexistent-dir/x.h5", false), grok::h5::Error);
}

TEST_CASE("create refuses to clobber an existing file", "[h5]") {
  TempPath tmp("test_h5_exists.h5");
  { auto f = grok::h5::File::create(tmp.path, false); }
  CHECK_THROWS_AS(grok::h5::File::create(tmp.path, false), grok::h5::Error);
}

namespace {

// The absolute path of the first scale attached to `axis` of `d`, "" if none.
std::string attached_scale(const grok::h5::Dataset& d, unsigned axis) {
  std::string path;
  H5DSiterate_scales(
      d.id(), axis, nullptr,
      [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
        char name[256] = {};
        H5Iget_name(scale, name, sizeof name);
        *static_cast<std::string*>(out) = name;
        return 1;
      },
      &path);
  return path;
}

}  // namespace

TEST_CASE("a group copied into another file keeps its dimension scales", "[h5]") {
  // Object references are file addresses: copied raw, the second group's curves pointed at
  // the first group's scale (or at nothing, and h5py failed in H5DSiterate_scales).
  TempPath src("test_h5_copy_src.h5"), dst("test_h5_copy_dst.h5");
  {
    auto f = grok::h5::File::create(src.path, false);
    for (const char* group : {"first", "second"}) {
      auto g = f.root().create_group(group);
      auto step = g.create_dataset<int64_t>("step", {3});
      step.write(std::vector<int64_t>{0, 10, 20});
      step.make_scale("step");
      auto curve = g.create_dataset<double>("curve", {3});
      curve.write(std::vector<double>{1, 2, 3});
      curve.attach_scale(step, 0);
    }
  }
  {
    auto in = grok::h5::File::open(src.path, grok::h5::Mode::ReadOnly);
    auto out = grok::h5::File::create(dst.path, false);
    auto out_root = out.root();
    auto other = out_root.create_group("written_first");  // shifts the addresses in the new file
    other.create_dataset<double>("padding", {100}).write(std::vector<double>(100, 0.0));
    for (const char* group : {"second", "first"}) in.root().copy_child(group, out_root);
  }
  auto f = grok::h5::File::open(dst.path, grok::h5::Mode::ReadOnly);
  CHECK(attached_scale(f.root().open_dataset("first/curve"), 0) == "/first/step");
  CHECK(attached_scale(f.root().open_dataset("second/curve"), 0) == "/second/step");
  CHECK(f.root().open_dataset("second/curve").read<double>() == std::vector<double>{1, 2, 3});
}

TEST_CASE("a file HDF5 itself cannot read is caught in a child process", "[h5]") {
  TempPath tmp("test_h5_heap.h5");
  {
    auto f = grok::h5::File::create(tmp.path, true);
    f.root().set_attr("config_json", std::string(200, 'x'));  // a variable-length string: the global heap
  }
  SECTION("an intact file passes") { CHECK_NOTHROW(grok::h5::check_metadata_in_child(tmp.path)); }
  SECTION("a child that overruns its time is stopped") {
    CHECK_THROWS_WITH(grok::h5::check_metadata_in_child(tmp.path, 1e-9),
                      Catch::Contains("did not finish reading its metadata within 1e-09 s"));
  }
  SECTION("a damaged global heap, on which HDF5 1.10.8 crashes, is reported in one line") {
    // The first global heap object's size, 2^34 bytes larger: HDF5 copies past its buffer.
    std::string bytes;
    {
      std::ifstream in(tmp.path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const size_t heap = bytes.find("GCOL");
    REQUIRE(heap != std::string::npos);
    bytes[heap + 28] = static_cast<char>(bytes[heap + 28] + 4);
    std::ofstream(tmp.path, std::ios::binary | std::ios::trunc) << bytes;
    CHECK_THROWS_WITH(grok::h5::check_metadata_in_child(tmp.path),
                      Catch::StartsWith(tmp.path + " is damaged: HDF5 crashed reading its metadata"));
  }
}
