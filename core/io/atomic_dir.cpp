// The temporary-folder-then-rename write, with the fsyncs that make it survive a crash.
#include "core/io/atomic_dir.h"

#include "core/error.h"

#include <cerrno>
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

} // namespace

void checkReplaceable(const fs::path& target, const ReplaceableContents& contents)
{
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(target, ec)) {
        const auto name = entry.path().filename().string();
        const bool ours = entry.is_regular_file(ec) && contents.isOurs(name);
        if (!ours)
            fail(target.string(), "output folder holds '" + name + "', which is not part of " + contents.description
                    + "; choose an empty or new folder");
    }
    if (ec)
        fail(target.string(), "cannot list the output folder: " + ec.message());
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
    if (fs::is_directory(m_target, ec))
        checkReplaceable(m_target, contents);
    // Hidden and beside the target: same file system (rename is atomic), out of the user's way.
    m_staging = makeTempDir(parent, "." + m_target.filename().string() + ".tmp-");
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
    std::error_code ec;
    if (fs::exists(m_target, ec)) {
        if (exchange(m_staging, m_target)) {
            // The staging name now holds the previous contents, which go.
            fs::remove_all(m_staging, ec);
        } else {
            const fs::path old = makeTempDir(parent, "." + m_target.filename().string() + ".old-");
            fs::rename(m_target, old, ec); // onto the empty folder mkdtemp made
            if (ec) {
                fs::remove(old, ec);
                fail(m_target.string(), "cannot replace existing output: " + ec.message());
            }
            fs::rename(m_staging, m_target, ec);
            if (ec) {
                std::error_code ignore;
                fs::rename(old, m_target, ignore);
                fail(m_target.string(), "cannot move output into place: " + ec.message());
            }
            fs::remove_all(old, ec);
        }
    } else {
        fs::rename(m_staging, m_target, ec);
        if (ec)
            fail(m_target.string(), "cannot move output into place: " + ec.message());
    }
    m_committed = true;
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
