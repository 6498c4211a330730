// Reader children: posix_spawn, two pipes read with poll, limits, and errors that say what happened.
#include "converter/importers/child_process.h"

#include "converter/importers/sanitizers.h"
#include "core/tfjs/json_limits.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

extern char** environ;

namespace studio::conv {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxErrorBytes = 64 * 1024;
constexpr int kPipeBytes = 1 << 20; // the reply pipe's size and the reads from it

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(Fd&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
    Fd& operator=(Fd&& o) noexcept { std::swap(m_fd, o.m_fd); return *this; }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { close(); }
    int get() const { return m_fd; }
    void close() { if (m_fd >= 0) ::close(m_fd); m_fd = -1; }

private:
    int m_fd = -1;
};

std::array<Fd, 2> makePipe(const std::string& label)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        fail(label, std::string("cannot start the reader process (pipe: ") + std::strerror(errno) + ")");
    return {Fd(fds[0]), Fd(fds[1])};
}

// Kills and reaps the child unless it was reaped already.
class Child {
public:
    explicit Child(pid_t pid) : m_pid(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { kill(); }
    void kill()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
            }
            m_pid = -1;
        }
    }
    // Waits for the exit (the child closed its pipes, so it is exiting); kills it at the deadline.
    bool wait(int& status, std::chrono::steady_clock::time_point deadline)
    {
        while (true) {
            const pid_t r = waitpid(m_pid, &status, WNOHANG);
            if (r == m_pid) {
                m_pid = -1;
                return true;
            }
            if (r < 0 && errno != EINTR)
                return false;
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            usleep(2000);
        }
    }

private:
    pid_t m_pid;
};

// Sanitizer builds (tests, fuzzing): a sanitizer report from the child whose top frames are in
// our own code is a bug of ours, not a damaged file, and must not be reported as one.
bool sanitizerBlamesOurCode(const std::string& text)
{
    const auto report = text.find("ERROR: AddressSanitizer");
    const auto ub = text.find("runtime error:");
    if (report == std::string::npos && ub == std::string::npos)
        return false;
    if (ub != std::string::npos)
        return true; // UBSan names the source line itself: only our code is instrumented
    std::size_t pos = report;
    for (int frame = 0; frame < 4; ++frame) {
        pos = text.find("    #" + std::to_string(frame) + " ", pos);
        if (pos == std::string::npos)
            return false;
        const auto end = text.find('\n', pos);
        const auto line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (line.find("/converter/") != std::string::npos || line.find("/core/") != std::string::npos)
            return true;
        pos = end;
    }
    return false;
}

std::string signalText(int sig)
{
    const char* name = strsignal(sig);
    return std::string(name ? name : "signal") + ", signal " + std::to_string(sig);
}

} // namespace

fs::path helperProgram(const std::string& name)
{
    std::error_code ec;
    // Tests and development runs from other folders name the build's bin folder.
    if (const char* dir = std::getenv("TFJS_STUDIO_HELPERS"); dir && *dir) {
        const fs::path candidate = fs::path(dir) / name;
        if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path dir = self.parent_path();
        for (const fs::path& candidate : {dir / name, dir.parent_path() / "libexec" / "tfjs-studio" / name})
            if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0)
                return candidate;
    }
    fail("", "the helper program '" + name + "' is missing (looked beside " + (ec ? std::string("the executable") : self.string())
            + " and in ../libexec/tfjs-studio/): the installation is incomplete");
}

std::vector<std::uint8_t> runReaderChild(const ChildRequest& req)
{
    const std::string& label = req.label;
    req.cancel.check();
    auto out = makePipe(label);
    auto err = makePipe(label);

    std::vector<std::string> args;
    args.push_back(req.program.string());
    args.insert(args.end(), req.args.begin(), req.args.end());
    if (req.limits.cpuSeconds)
        args.insert(args.end() - 1, {"--cpu-seconds", std::to_string(req.limits.cpuSeconds)});
    if (req.limits.addressSpaceBytes)
        args.insert(args.end() - 1, {"--address-space", std::to_string(req.limits.addressSpaceBytes)});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    // The child's stdin: a socket rather than a pipe, so that writing after the child died is
    // EPIPE from send(MSG_NOSIGNAL), not a SIGPIPE that would kill the studio.
    Fd inParent, inChild;
    std::size_t chunk = 0, chunkOffset = 0;
    if (!req.input.empty()) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            fail(label, std::string("cannot start the helper process (socketpair: ") + std::strerror(errno) + ")");
        inParent = Fd(sv[0]);
        inChild = Fd(sv[1]);
        shutdown(inParent.get(), SHUT_RD);
        fcntl(inParent.get(), F_SETFL, fcntl(inParent.get(), F_GETFL) | O_NONBLOCK);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (inChild.get() >= 0)
        posix_spawn_file_actions_adddup2(&actions, inChild.get(), 0);
    else
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1].get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err[1].get(), 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3); // nothing else of ours leaks in
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, req.program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        fail(label, "cannot start " + req.program.filename().string() + " (" + std::strerror(rc) + ")");
    Child child(pid);
    // A bigger pipe (best effort: the system may cap it) means fewer wake-ups of both
    // processes per megabyte of weights.
    fcntl(out[0].get(), F_SETPIPE_SZ, kPipeBytes);
    out[1].close();
    err[1].close();
    inChild.close();
    auto skipEmpty = [&] {
        while (chunk < req.input.size() && chunkOffset == req.input[chunk].size()) {
            ++chunk;
            chunkOffset = 0;
        }
        if (chunk == req.input.size())
            inParent.close(); // end of input: the child sees EOF
    };
    if (inParent.get() >= 0)
        skipEmpty();

    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + req.limits.wallTime;
    std::vector<std::uint8_t> reply;
    if (req.expectedReplyBytes)
        reply.reserve(static_cast<std::size_t>(req.limits.maxReplyBytes
                ? std::min(req.expectedReplyBytes, req.limits.maxReplyBytes) : req.expectedReplyBytes));
    std::string errText;
    bool outOpen = true, errOpen = true;
    std::vector<std::uint8_t> buf(kPipeBytes);
    while (outOpen || errOpen) {
        if (req.cancel.cancelled()) {
            child.kill();
            throw Cancelled();
        }
        if (std::chrono::steady_clock::now() > deadline) {
            child.kill();
            fail(label, req.library + " did not finish reading the file in "
                    + std::to_string(req.limits.wallTime.count()) + " s and was stopped (damaged file?)");
        }
        pollfd fds[3] = {{outOpen ? out[0].get() : -1, POLLIN, 0}, {errOpen ? err[0].get() : -1, POLLIN, 0},
            {inParent.get(), POLLOUT, 0}};
        const int n = poll(fds, 3, 100);
        if (n < 0 && errno != EINTR) {
            child.kill();
            fail(label, std::string("lost contact with the reader process (") + std::strerror(errno) + ")");
        }
        if (n <= 0)
            continue;
        if (inParent.get() >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const auto& c = req.input[chunk];
            const ssize_t put = send(inParent.get(), c.data() + chunkOffset, c.size() - chunkOffset, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (put > 0) {
                chunkOffset += static_cast<std::size_t>(put);
                skipEmpty();
            } else if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                inParent.close(); // the child stopped reading: its exit status says why
            }
        }
        if (outOpen && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t got = read(out[0].get(), buf.data(), buf.size());
            if (got > 0) {
                if (reply.size() + static_cast<std::size_t>(got) > req.limits.maxReplyBytes) {
                    child.kill();
                    fail(label, "the model needs more than the memory budget of " + std::to_string(req.limits.maxReplyBytes)
                            + " bytes for its weights (raise it with --max-memory if the file is trusted)");
                }
                reply.insert(reply.end(), buf.data(), buf.data() + got);
            } else if (got == 0 || errno != EINTR) {
                outOpen = false;
            }
        }
        if (errOpen && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t got = read(err[0].get(), buf.data(), buf.size());
            if (got > 0) {
                if (errText.size() < kMaxErrorBytes)
                    errText.append(reinterpret_cast<const char*>(buf.data()),
                        std::min<std::size_t>(static_cast<std::size_t>(got), kMaxErrorBytes - errText.size()));
            } else if (got == 0 || errno != EINTR) {
                errOpen = false;
            }
        }
    }
    int status = 0;
    if (!child.wait(status, deadline + std::chrono::seconds(5))) {
        child.kill();
        fail(label, req.library + " did not finish reading the file in "
                + std::to_string(req.limits.wallTime.count()) + " s and was stopped (damaged file?)");
    }
    if (STUDIO_ASAN && sanitizerBlamesOurCode(errText)) {
        std::fprintf(stderr, "%s: the reader child's sanitizer report blames our code:\n%s\n", label.c_str(), errText.c_str());
        std::abort();
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (chunk < req.input.size())
            fail(label, req.program.filename().string() + " exited before reading all of its input");
        return reply;
    }
    // A sanitizer build of the reader reports the library's memory errors (through its
    // intercepted memcpy and friends) and exits instead of crashing: the same verdict.
    if (const auto at = errText.find("ERROR: AddressSanitizer: "); at != std::string::npos) {
        const auto from = at + 25;
        const auto what = errText.substr(from, std::min(errText.find_first_of(" :\n", from), errText.size()) - from);
        fail(label, req.library + " crashed reading the file (AddressSanitizer: " + what
                + "): the file is damaged. The studio is unaffected; the reader runs in its own process");
    }
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGXCPU)
            fail(label, req.library + " used more than " + std::to_string(req.limits.cpuSeconds)
                    + " s of CPU time reading the file and was stopped: the file is damaged or made to hang readers");
        fail(label, req.library + " crashed reading the file (" + signalText(sig)
                + "): the file is damaged. The studio is unaffected; the reader runs in its own process");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
        // The child's own error, as JSON. Parsed with our limits: it echoes bytes of the file.
        std::optional<Error> childError;
        try {
            const auto j = core::parseJsonLimited(errText, label + " (reader error)");
            if (j.is_object() && j.contains("error") && j["error"].is_string()) {
                Location where;
                auto field = [&](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string(); };
                where.file = field("file");
                where.node = field("node");
                where.weight = field("weight");
                where.layer = field("layer");
                where.field = field("field");
                childError.emplace(j["error"].get<std::string>(), where);
            }
        } catch (const Error&) {
            // Not our JSON: reported below as a failure with the text it printed.
        }
        if (childError)
            throw *childError;
    }
    std::string tail = errText.substr(0, 500);
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r'))
        tail.pop_back();
    fail(label, req.library + " failed reading the file (exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1)
            + (tail.empty() ? ")" : "): " + tail));
}

} // namespace studio::conv
