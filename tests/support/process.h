#pragma once
// Running child processes in tests: spawn with captured output, wait, kill.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace cardex::test {

struct ProcessResult {
    int exit_code = -1;  ///< the exit status, or -1 when killed by a signal
    int signal = 0;      ///< the signal that ended it, or 0
    std::string out;     ///< stdout and stderr, interleaved
};

/// Runs `args` (args[0] is a path) to completion and returns what it printed.
ProcessResult run(const std::vector<std::string>& args);

/// A running child whose stdout and stderr go to a pipe.
struct Child {
    pid_t pid = -1;
    int out_fd = -1;
};
Child spawn(const std::vector<std::string>& args, bool capture_stderr = true);
/// Waits for the child (killing it with SIGKILL first when `kill_after` has passed) and
/// returns what it printed.
ProcessResult finish(Child child);
ProcessResult kill_after(Child child, std::chrono::milliseconds delay);

/// `sh -c script`, for tests that need a shell (mount namespaces, pipes).
ProcessResult shell(const std::string& script);

/// `cmd` through the shell, stderr merged into stdout: its exit status and output. For
/// command lines written as one string ("cardex search --index DIR --json bert").
std::pair<int, std::string> run_shell(const std::string& cmd);

}  // namespace cardex::test
