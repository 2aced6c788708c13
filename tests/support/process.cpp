#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace cardex::test {

Child spawn(const std::vector<std::string>& args, bool capture_stderr) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    // Everything the child needs is made before fork: between fork and exec only
    // async-signal-safe calls are allowed when other threads run.
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(capture_stderr ? fds[1] : devnull, 2);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    if (devnull >= 0) ::close(devnull);
    ::close(fds[1]);
    return {pid, fds[0]};
}

ProcessResult finish(Child c) {
    ProcessResult r;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(c.out_fd, buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
    ::close(c.out_fd);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

ProcessResult kill_after(Child c, std::chrono::milliseconds delay) {
    std::this_thread::sleep_for(delay);
    ::kill(c.pid, SIGKILL);
    return finish(c);
}

ProcessResult run(const std::vector<std::string>& args) { return finish(spawn(args)); }

ProcessResult shell(const std::string& script) { return run({"/bin/sh", "-c", script}); }

std::pair<int, std::string> run_shell(const std::string& cmd) {
    const ProcessResult r = shell(cmd);
    return {r.signal != 0 ? 128 + r.signal : r.exit_code, r.out};
}

}  // namespace cardex::test
