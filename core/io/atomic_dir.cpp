// The temporary-folder-then-rename write, with the fsyncs that make it survive a crash.
#include "core/io/atomic_dir.h"

#include "core/error.h"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace studio::core {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

// Makes a folder's entries (created files, renames) durable. File systems that cannot sync a
// folder say EINVAL; there is nothing more to do on them.
void syncDirectory(const fs::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        fail(dir.string(), "cannot open folder to sync it: " + errnoText());
    const bool ok = ::fsync(fd) == 0 || errno == EINVAL;
    const std::string why = ok ? std::string() : errnoText();
    ::close(fd);
    if (!ok)
        fail(dir.string(), "cannot sync folder to disk: " + why);
}

// mkdtemp on "<dir>/<prefix>XXXXXX": a fresh name no other writer can take.
fs::path makeTempDir(const fs::path& dir, const std::string& prefix)
{
    const std::string pattern = (dir / (prefix + "XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data()))
        fail(pattern, "cannot create temporary folder: " + errnoText());
    return fs::path(buffer.data());
}

// The process umask, read without changing it (umask() sets it too, racing other threads
// that create files).
mode_t currentUmask()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Umask:", 0) == 0)
            return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    return 022;
}

// Swaps two existing paths in one step where the kernel can (Linux renameat2), so that the
// target never disappears. False where the file system or kernel does not support it.
bool exchange(const fs::path& a, const fs::path& b)
{
#ifdef RENAME_EXCHANGE
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0)
        return true;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        fail(b.string(), "cannot replace existing output: " + errnoText());
#else
    (void)a;
    (void)b;
#endif
    return false;
}

// The temporary names of `target`'s writers: ".<name>.tmp-<pid>-" and ".<name>.old-<pid>-".
std::string tempPrefix(const fs::path& target, const char* kind, pid_t pid)
{
    return "." + target.filename().string() + "." + kind + "-" + std::to_string(pid) + "-";
}

// The writer's PID of one of `target`'s temporary folders ("<prefix><pid>-XXXXXX"); 0 for any
// other name. `isOld`: an ".old-" folder, the whole previous target of a two-rename swap.
pid_t leftoverPid(const std::string& entry, const fs::path& target, bool& isOld)
{
    for (const char* kind : {"tmp", "old"}) {
        isOld = kind[0] == 'o';
        const std::string prefix = "." + target.filename().string() + "." + kind + "-";
        if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0)
            continue;
        const std::string rest = entry.substr(prefix.size());
        const auto dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9 || rest.size() != dash + 7)
            return 0;
        for (std::size_t i = 0; i < rest.size(); ++i)
            if (i != dash && !(i < dash ? std::isdigit(static_cast<unsigned char>(rest[i]))
                                        : std::isalnum(static_cast<unsigned char>(rest[i]))))
                return 0;
        return static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    }
    return 0;
}

// Only what a writer puts there: model.json and shards, regular files, nothing below.
bool holdsOnlyModelFiles(const fs::path& dir)
{
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool shard = (name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0)
            || (name.rfind("group", 0) == 0 && name.find("-shard") != std::string::npos); // pre-1.0 shards
        if (!entry.is_regular_file(ec) || entry.is_symlink(ec) || (name != "model.json" && !shard))
            return false;
    }
    return !ec;
}

// A process that no longer exists (EPERM: it exists, someone else's). Writers in another PID
// namespace sharing the folder would look gone; the folder's content rule still applies.
bool processGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

} // namespace

void testCrashPoint(const char* step)
{
    const char* at = std::getenv("STUDIO_TEST_CRASH_AT");
    if (at && std::strcmp(at, step) == 0)
        ::raise(SIGKILL);
}

int removeLeftovers(const fs::path& target)
{
    std::error_code ec;
    int removed = 0;
    for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
        bool isOld = false;
        const pid_t pid = leftoverPid(entry.path().filename().string(), target, isOld);
        // A live writer (this process included) is still using its folder; a PID reused since
        // only delays the clean-up to a later write.
        if (pid <= 0 || !processGone(pid))
            continue;
        std::error_code entryEc;
        if (entry.is_symlink(entryEc) || !entry.is_directory(entryEc) || !holdsOnlyModelFiles(entry.path()))
            continue;
        // Killed between the two renames of the fallback swap: the previous output is whole in
        // ".old-"; it goes back, so that a failing write now still leaves it.
        if (isOld && fs::exists(entry.path() / "model.json", entryEc) && !fs::exists(target, entryEc)) {
            fs::rename(entry.path(), target, entryEc);
            if (!entryEc) {
                ++removed;
                continue;
            }
        }
        if (fs::remove_all(entry.path(), entryEc) != static_cast<std::uintmax_t>(-1) && !entryEc)
            ++removed;
    }
    return removed;
}

std::set<std::string> checkReplaceable(const fs::path& target, const ReplaceableContents& contents)
{
    const std::set<std::string> ours = contents.ourFiles(target);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(target, ec)) {
        const auto name = entry.path().filename().string();
        std::error_code typeEc;
        const bool isOurs = !entry.is_symlink(typeEc) && entry.is_regular_file(typeEc) && ours.count(name);
        if (!isOurs)
            fail(target.string(), "output folder holds '" + name + "', which is not part of " + contents.description
                    + "; choose an empty or new folder");
    }
    if (ec)
        fail(target.string(), "cannot list the output folder: " + ec.message());
    return ours;
}

AtomicDir::AtomicDir(const fs::path& target, const ReplaceableContents& contents)
{
    std::error_code ec;
    if (fs::exists(target, ec) && !fs::is_directory(target, ec))
        fail(target.string(), "output path exists and is not a folder");
    m_target = fs::absolute(target).lexically_normal();
    if (m_target.filename().empty()) // "out/": the folder is "out", not an empty name inside it
        m_target = m_target.parent_path();
    const fs::path parent = m_target.parent_path();
    fs::create_directories(parent, ec);
    if (ec)
        fail(parent.string(), "cannot create output folder: " + ec.message());
    removeLeftovers(m_target); // first: it may put back a previous output a killed swap took away
    if (fs::is_directory(m_target, ec))
        m_previousFiles = checkReplaceable(m_target, contents);
    // Hidden and beside the target: same file system (rename is atomic), out of the user's way.
    m_staging = makeTempDir(parent, tempPrefix(m_target, "tmp", ::getpid()));
    // mkdtemp makes it private (0700); the output is an ordinary folder, as mkdir would make it.
    if (::chmod(m_staging.c_str(), 0777 & ~currentUmask()) != 0) {
        const std::string why = errnoText();
        fs::remove(m_staging, ec);
        fail(m_staging.string(), "cannot set the temporary folder's permissions: " + why);
    }
}

AtomicDir::~AtomicDir()
{
    if (m_committed)
        return;
    std::error_code ignore;
    fs::remove_all(m_staging, ignore);
}

void AtomicDir::commit()
{
    const fs::path parent = m_target.parent_path();
    syncDirectory(m_staging);
    testCrashPoint("before-swap");
    std::error_code ec;
    // The previous contents go, but only the files checked as ours: whatever appeared in the
    // target since the check stays, in the temporary folder (which a later write then leaves alone).
    auto removePrevious = [this](const fs::path& dir) {
        std::error_code ignore;
        for (const auto& name : m_previousFiles) {
            fs::remove(dir / name, ignore);
            testCrashPoint("removing-previous");
        }
        fs::remove(dir, ignore); // only when empty
    };
    if (fs::exists(m_target, ec)) {
        if (exchange(m_staging, m_target)) {
            testCrashPoint("after-swap");
            // The staging name now holds the previous contents.
            removePrevious(m_staging);
        } else {
            // Without an exchange there is a moment with no target; its old contents are then
            // in ".old-<pid>-", complete.
            const fs::path old = makeTempDir(parent, tempPrefix(m_target, "old", ::getpid()));
            fs::rename(m_target, old, ec); // onto the empty folder mkdtemp made
            if (ec) {
                fs::remove(old, ec);
                fail(m_target.string(), "cannot replace existing output: " + ec.message());
            }
            testCrashPoint("after-move-old");
            fs::rename(m_staging, m_target, ec);
            if (ec) {
                std::error_code ignore;
                fs::rename(old, m_target, ignore);
                fail(m_target.string(), "cannot move output into place: " + ec.message());
            }
            testCrashPoint("after-swap");
            removePrevious(old);
        }
    } else {
        fs::rename(m_staging, m_target, ec);
        if (ec)
            fail(m_target.string(), "cannot move output into place: " + ec.message());
    }
    m_committed = true;
    testCrashPoint("before-sync-parent");
    syncDirectory(parent);
}

void syncFile(std::FILE* file, const std::string& label)
{
    if (std::fflush(file) != 0 || ::fsync(::fileno(file)) != 0)
        fail(label, "write failed: " + errnoText());
}

void writeFileSynced(const fs::path& path, std::string_view bytes)
{
    const std::string label = path.filename().string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        fail(label, "cannot create: " + errnoText());
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const std::string why = errnoText();
            ::close(fd);
            fail(label, "write failed: " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const std::string why = errnoText();
        ::close(fd);
        fail(label, "write failed: " + why);
    }
    if (::close(fd) != 0)
        fail(label, "write failed: " + errnoText());
}

} // namespace studio::core
