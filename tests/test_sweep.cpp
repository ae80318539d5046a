// test_sweep.cpp — sweep axes, grid and random points, planning reruns, sweep.h5 round trip.
// Expected values are written out by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "grok/core/error.h"
#include "grok/sweep/grid.h"
#include "grok/sweep/runner.h"
#include "grok/sweep/slurm.h"
#include "grok/sweep/sweep_file.h"
#include "grok/sweep/sweep_presets.h"

using grok::InputError;
using grok::parse_axis;
using nlohmann::json;

namespace {

std::vector<json> values(const std::string& arg) { return parse_axis(arg).values; }

grok::SweepSpec demo_spec() {
  grok::SweepSpec spec;
  spec.preset = "demo";
  spec.base_overrides = {{"steps", 50}};
  spec.axes = {parse_axis("weight_decay=0,1"), grok::parse_seeds("0-1")};
  return spec;
}

}  // namespace

TEST_CASE("lists are typed like the option they set", "[sweep]") {
  CHECK(values("weight_decay=0,0.3,1") == std::vector<json>{0.0, 0.3, 1.0});
  CHECK(values("p=53,59") == std::vector<json>{53, 59});
  CHECK(values("p=53,59")[0].is_number_integer());
  CHECK(values("act=relu,gelu") == std::vector<json>{"relu", "gelu"});
  CHECK(values("bias=true,false") == std::vector<json>{true, false});
  CHECK(values("factored_forward=false,true") == std::vector<json>{false, true});  // an AutoFlag axis: booleans
  CHECK(values("backward=autograd,manual") == std::vector<json>{"autograd", "manual"});
  // Each run resolves auto for itself: as a grid value the sweep's column would not say what ran.
  CHECK_THROWS_WITH(values("backward=auto,autograd"), Catch::Contains("auto is not a value to compare"));
  CHECK_THROWS_AS(values("factored_forward=auto,true"), InputError);
  CHECK(parse_axis("frac-train=0.5").name == "frac_train");  // dashes as on the command line
}

TEST_CASE("a linear range includes both ends and reads back as the decimals written", "[sweep]") {
  // 0.2 + 3 * 0.1 is 0.5000000000000001 in binary: the range must give the double of "0.5".
  CHECK(values("frac_train=0.2:0.8:0.1") == std::vector<json>{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8});
  CHECK(values("d_mlp=64:256:64") == std::vector<json>{64, 128, 192, 256});
  CHECK(values("lr=0.5:0.5:1") == std::vector<json>{0.5});
  CHECK_THROWS_AS(values("d_mlp=64:100:25.5"), InputError);  // non-integer values for an integer option
}

TEST_CASE("a log range is geometric, rounded to 6 digits, and integer options drop duplicates", "[sweep]") {
  CHECK(values("lr=1e-4..1e-1:log:4") == std::vector<json>{1e-4, 1e-3, 1e-2, 1e-1});
  CHECK(values("lr=1e-3..1e-2:log:3") == std::vector<json>{1e-3, 0.00316228, 1e-2});
  CHECK(values("d_mlp=8..2048:log:9") == std::vector<json>{8, 16, 32, 64, 128, 256, 512, 1024, 2048});
  // 1, 1.26, 1.59, 2, 2.52, 3.17, 4 -> 1, 1, 2, 2, 3, 3, 4
  CHECK(values("d_mlp=1..4:log:7") == std::vector<json>{1, 2, 3, 4});
}

TEST_CASE("bad axes are one-line input errors", "[sweep]") {
  for (const char* bad :
       {"weight_decay", "=1,2", "nonsense=1,2", "threads=1,2", "lr=", "p=53.5", "lr=abc", "lr=1,1", "lr=0.1:0.05:0.1",
        "lr=0.1:0.2:0", "lr=0.1:0.2", "lr=0..1:log:3", "lr=1e-3..1e-1:log:1", "lr=1e-3..1e-1:lin:3", "bias=maybe"})
    CHECK_THROWS_AS(parse_axis(bad), InputError);
}

TEST_CASE("seeds: ranges and lists, no repeats", "[sweep]") {
  CHECK(grok::parse_seeds("0-2,5").values == std::vector<json>{0, 1, 2, 5});
  CHECK(grok::parse_seeds("7").values == std::vector<json>{7});
  for (const char* bad : {"2-1", "a", "0-2,1", "-1", ""}) CHECK_THROWS_AS(grok::parse_seeds(bad), InputError);
}

TEST_CASE("grid points: the Cartesian product, first axis slowest", "[sweep]") {
  auto points = grok::grid_points({parse_axis("weight_decay=0,1"), parse_axis("act=relu,gelu,quadratic")});
  REQUIRE(points.size() == 6);
  CHECK(grok::describe_point(points[0]) == "weight_decay=0 act=relu");
  CHECK(grok::describe_point(points[2]) == "weight_decay=0 act=quadratic");
  CHECK(grok::describe_point(points[3]) == "weight_decay=1 act=relu");
  CHECK(grok::describe_point(points[5]) == "weight_decay=1 act=quadratic");
}

TEST_CASE("random search draws inside the ranges, every point with every seed, reproducibly", "[sweep]") {
  std::vector<grok::SweepAxis> axes{parse_axis("lr=1e-4..1e-1:log:2"), parse_axis("d_mlp=16:64:1"),
                                    parse_axis("act=relu,gelu"), grok::parse_seeds("0-2")};
  auto points = grok::random_points(axes, 20, 7);
  REQUIRE(points.size() == 60);
  std::set<std::string> acts;
  int below_1e_2_5 = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    CHECK(p["seed"].get<int64_t>() == static_cast<int64_t>(i % 3));
    CHECK(p["lr"].get<double>() >= 1e-4);
    CHECK(p["lr"].get<double>() <= 1e-1);
    CHECK(p["d_mlp"].is_number_integer());
    CHECK(p["d_mlp"].get<int64_t>() >= 16);
    CHECK(p["d_mlp"].get<int64_t>() <= 64);
    acts.insert(p["act"].get<std::string>());
    if (i % 3 == 0 && p["lr"].get<double>() < std::pow(10.0, -2.5)) ++below_1e_2_5;
  }
  CHECK(acts.size() == 2);
  // Log-uniform: half the draws below the geometric midpoint 10^-2.5 (a uniform draw puts ~3% there).
  CHECK(below_1e_2_5 >= 5);
  CHECK(grok::random_points(axes, 20, 7) == points);
  CHECK(grok::random_points(axes, 20, 8) != points);
}

TEST_CASE("values print as the shortest text that reads back the same", "[sweep]") {
  CHECK(grok::format_value(0.3) == "0.3");
  CHECK(grok::format_value(1e-4) == "0.0001");
  CHECK(grok::format_value(2.0) == "2");
  CHECK(grok::format_value(json(3)) == "3");
  CHECK(grok::format_value(0.1 + 0.2) == "0.30000000000000004");
  CHECK(grok::format_value("relu") == "relu");
  // For people: 3 significant digits, plain in [1e-3, 1e5), compact scientific outside.
  CHECK(grok::display_number(0.000316228) == "3.16e-4");
  CHECK(grok::display_number(1e1) == "10");
  CHECK(grok::display_number(2e1) == "20");
  CHECK(grok::display_number(0.25) == "0.25");
  CHECK(grok::display_number(0.00316228) == "0.00316");
  CHECK(grok::display_number(1600) == "1600");
  CHECK(grok::display_number(12345) == "12345");
  CHECK(grok::display_number(1.0 / 3) == "0.333");
  CHECK(grok::display_number(2e5) == "2e5");
  CHECK(grok::display_number(1e-5) == "1e-5");
  CHECK(grok::display_number(-0.5) == "-0.5");
  CHECK(grok::display_number(0) == "0");
  CHECK(grok::display_value(json(3)) == "3");
  CHECK(grok::display_value("relu") == "relu");
  CHECK(grok::format_value(false) == "false");
}

TEST_CASE("a rerun of the same sweep keeps its rows and a changed grid needs the extend option", "[sweep]") {
  const grok::SweepSpec spec = demo_spec();
  grok::Sweep first = grok::plan_sweep(spec, std::nullopt, false);
  REQUIRE(first.rows.size() == 4);
  CHECK(first.rows[3].run_file == "runs/r0003.h5");
  first.rows[1].status = "complete";
  grok::Sweep again = grok::plan_sweep(spec, first, false);
  REQUIRE(again.rows.size() == 4);
  CHECK(again.rows[1].status == "complete");

  grok::SweepSpec wider = spec;
  wider.axes[0] = parse_axis("weight_decay=0,1,3");
  CHECK_THROWS_AS(grok::plan_sweep(wider, first, false), InputError);
  grok::Sweep extended = grok::plan_sweep(wider, first, true);
  REQUIRE(extended.rows.size() == 6);
  CHECK(extended.rows[1].status == "complete");  // old rows keep their ids and state
  CHECK(grok::describe_point(extended.rows[4].point) == "weight_decay=3 seed=0");
  CHECK(extended.rows[5].run_file == "runs/r0005.h5");

  grok::SweepSpec narrower = spec;
  narrower.axes[0] = parse_axis("weight_decay=0");
  CHECK_THROWS_AS(grok::plan_sweep(narrower, first, false), InputError);

  grok::SweepSpec other_base = spec;
  other_base.base_overrides["steps"] = 60;
  CHECK_THROWS_AS(grok::plan_sweep(other_base, first, true), InputError);
}

TEST_CASE("a row's grok-train command sets the base options, then the row's values", "[sweep]") {
  const grok::SweepSpec spec = demo_spec();
  const grok::Sweep sweep = grok::plan_sweep(spec, std::nullopt, false);
  auto argv = grok::train_command("/bin/grok-train", spec, sweep.rows[3], "/nonexistent-dir");
  // Options in alphabetical order (one JSON object holds them).
  CHECK(argv == std::vector<std::string>{"/bin/grok-train", "--preset=demo", "--seed=1", "--steps=50", "--threads=1",
                                         "--weight-decay=1", "--out", "/nonexistent-dir/runs/r0003.h5", "--quiet"});
  const grok::Config c = grok::row_config(spec, sweep.rows[3].point);
  CHECK(c.weight_decay == 1.0);
  CHECK(c.seed == 1);
  CHECK(c.steps == 50);
  CHECK(c.p == 53);  // from the preset
}

TEST_CASE("sweep.h5 round-trips rows, NaNs and typed axes, and a non-sweep file is refused", "[sweep]") {
  const std::string path = "test_sweep_roundtrip.h5";
  grok::Sweep sweep = grok::plan_sweep(demo_spec(), std::nullopt, false);
  sweep.rows[0].status = "complete";
  sweep.rows[0].result.t_grok = 880;
  sweep.rows[0].result.final_test_acc = 0.99;
  sweep.rows[0].result.key_frequencies = {4, 17};
  sweep.rows[2].status = "failed";
  sweep.rows[2].error = "grok-train: unknown hook 'x'";
  grok::write_sweep_file(path, sweep);
  const grok::Sweep back = grok::read_sweep_file(path);
  REQUIRE(back.rows.size() == 4);
  CHECK(back.rows[0].result.t_grok == 880);
  CHECK(back.rows[0].result.final_test_acc == 0.99);
  CHECK(back.rows[0].result.key_frequencies == std::vector<int64_t>{4, 17});
  CHECK(std::isnan(back.rows[1].result.final_test_acc));
  CHECK(back.rows[1].result.t_grok == -1);
  CHECK(back.rows[2].error == "grok-train: unknown hook 'x'");
  CHECK(back.rows[3].point == sweep.rows[3].point);
  CHECK(back.spec.axes[0].values == sweep.spec.axes[0].values);
  CHECK(back.spec.base_overrides == sweep.spec.base_overrides);
  std::remove(path.c_str());
  CHECK_THROWS_AS(grok::read_sweep_file(path), InputError);
}

TEST_CASE("the words of the slurm-args option split like a shell would", "[sweep]") {
  CHECK(grok::split_shell_words("--partition=gpu  --time=1:00:00 --comment='a b'") ==
        std::vector<std::string>{"--partition=gpu", "--time=1:00:00", "--comment=a b"});
  CHECK(grok::split_shell_words("").empty());
  CHECK_THROWS_AS(grok::split_shell_words("--comment='a"), InputError);
}

TEST_CASE("a shipped sweep's options, less those the command line gives again", "[sweep]") {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  const auto plain = grok::sweep_preset_args("fraction", {});
  CHECK(has(plain, "--preset=demo"));
  CHECK(has(plain, "--grid=frac_train=0.2:0.6:0.05"));
  CHECK(has(plain, "--seeds=0-2"));
  CHECK(has(plain, "--stop-after-grok=0"));  // underscores in the file become the flag's dashes
  const auto adjusted = grok::sweep_preset_args("fraction", {"--seeds", "0", "--grid", "frac_train=0.3,0.4"});
  CHECK_FALSE(has(adjusted, "--seeds=0-2"));
  CHECK_FALSE(has(adjusted, "--grid=frac_train=0.2:0.6:0.05"));
  CHECK(has(adjusted, "--steps=10000"));
  const auto lr_wd = grok::sweep_preset_args("lr-wd", {"--grid=weight-decay=0,1"});
  CHECK(has(lr_wd, "--grid=lr=1e-4..1e-1:log:7"));  // the other axis stays
  CHECK_FALSE(has(lr_wd, "--grid=weight_decay=0,0.3,1,3,10,20"));
  CHECK_THROWS_AS(grok::sweep_preset_args("no-such-sweep", {}), InputError);
  CHECK(grok::sweep_presets().size() == 4);
}
