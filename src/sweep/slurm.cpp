// slurm.cpp — job arrays for grok-sweep --slurm (see slurm.h).
#include "grok/sweep/slurm.h"

#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "grok/core/error.h"
#include "grok/sweep/runner.h"

namespace grok {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + quoted(a);
  return s;
}

struct CommandResult {
  int exit_code = 0;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::vector<std::string>& argv) {
  const std::string line = shell_line(argv) + " 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) throw InputError("cannot run " + argv.front());
  CommandResult r;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == '\r')) r.output.pop_back();
  return r;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<std::string> split_shell_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw InputError("--slurm-args: unbalanced quote in '" + text + "'");
  if (in_word) words.push_back(word);
  return words;
}

SlurmArray write_slurm_array(const Sweep& sweep, const std::string& dir_in, const std::string& grok_train) {
  const fs::path dir = fs::absolute(dir_in);
  std::vector<int64_t> todo;
  for (const auto& row : sweep.rows)
    if (row.status != "complete") todo.push_back(row.id);
  SlurmArray array;
  if (todo.empty()) return array;
  const auto tasks = std::min<int64_t>(static_cast<int64_t>(todo.size()), kMaxArrayTasks);
  array.rows.resize(static_cast<size_t>(tasks));
  for (size_t i = 0; i < todo.size(); ++i) array.rows[i % static_cast<size_t>(tasks)].push_back(todo[i]);

  fs::create_directories(dir / "slurm");
  fs::create_directories(dir / "logs");
  fs::create_directories(dir / "runs");
  int n = 0;
  while (fs::exists(dir / "slurm" / fmt::format("array-{}.sh", n))) ++n;
  array.script = (dir / "slurm" / fmt::format("array-{}.sh", n)).string();
  std::ofstream out(array.script);
  out << "#!/bin/bash\n";
  out << fmt::format("# Written by grok-sweep for the sweep in {}: array task i trains the rows listed\n",
                     dir.string());
  out << "# under i, each with the grok-train command shown (its output in logs/rNNNN.log).\n";
  out << "#SBATCH --job-name=grok-sweep\n";
  out << fmt::format("#SBATCH --array=0-{}\n", tasks - 1);
  out << fmt::format("#SBATCH --cpus-per-task={}\n", sweep.spec.threads_per_run);
  out << fmt::format("#SBATCH --output={}\n", (dir / "logs" / "slurm-%A_%a.out").string());
  out << "set -u\nstatus=0\ncase \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (size_t task = 0; task < array.rows.size(); ++task) {
    out << fmt::format("  {})\n", task);
    for (int64_t id : array.rows[task]) {
      const SweepRow& row = sweep.rows[static_cast<size_t>(id)];
      const std::string log = row_log_path(dir.string(), id);
      out << fmt::format("    {} >>{} 2>&1 || status=$?\n",
                         shell_line(train_command(grok_train, sweep.spec, row, dir.string())), quoted(log));
    }
    out << "    ;;\n";
  }
  out << "esac\nexit $status\n";
  out.close();
  if (!out) throw InputError("cannot write " + array.script);
  fs::permissions(array.script, fs::perms::owner_exec, fs::perm_options::add);
  return array;
}

std::string submit_slurm_array(const SlurmArray& array, const std::string& extra_args) {
  std::vector<std::string> argv{"sbatch", "--parsable"};
  for (auto& word : split_shell_words(extra_args)) argv.push_back(word);
  argv.push_back(array.script);
  const CommandResult r = run_command(argv);
  if (r.exit_code != 0)
    throw InputError(fmt::format("sbatch refused the job array: {}",
                                 r.output.empty() ? "exit " + std::to_string(r.exit_code) : first_line(r.output)));
  // --parsable prints "jobid" or "jobid;cluster".
  const std::string line = r.output.substr(r.output.rfind('\n') == std::string::npos ? 0 : r.output.rfind('\n') + 1);
  return line.substr(0, line.find(';'));
}

int64_t slurm_tasks_left(const std::string& job_id) {
  const CommandResult r = run_command({"squeue", "-h", "-r", "-j", job_id, "-o", "%i"});
  if (r.exit_code != 0) {
    // squeue forgets a job soon after it ends and then says "Invalid job id".
    return r.output.find("Invalid job id") != std::string::npos ? 0 : -1;
  }
  int64_t n = 0;
  for (char c : r.output) n += c == '\n';
  return r.output.empty() ? 0 : n + 1;
}

void cancel_slurm_array(const std::string& job_id) {
  run_command({"scancel", "--state=PENDING", job_id});
  run_command({"scancel", "--signal=INT", "--full", job_id});
}

void mark_unfinished_slurm_rows(Sweep& sweep, const SlurmArray& array, const std::string& dir, bool cancelled) {
  for (const auto& task : array.rows)
    for (int64_t id : task) {
      SweepRow& row = sweep.rows[static_cast<size_t>(id)];
      refresh_row(row, dir);
      if (row.status == "complete") continue;
      const bool has_run = fs::exists(fs::path(dir) / row.run_file);
      const std::string last = last_line(row_log_path(dir, id));
      if (has_run) {
        // Stopped by our cancel, or ended early by Slurm (time limit, pre-emption): resumable.
        row.status = "interrupted";
        row.error = cancelled ? "" : (last.empty() ? "the Slurm task ended before the run completed" : last);
      } else if (cancelled && last.empty()) {
        row.status = "pending";  // dropped from the queue before it started
      } else {
        row.status = "failed";
        row.error = last.empty() ? "the Slurm task left no run file (see logs/slurm-*.out)" : last;
      }
    }
}

}  // namespace grok
