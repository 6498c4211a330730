// Benchmark (not a test): the floor under a durable converter. Copies a file's bytes into a new
// folder as shards, the fastest durable way we know on Linux ext4, and prints the time. Our
// convert must fsync every shard and the folder before its rename, so it cannot beat this on the
// same disk; the convert bench scripts print convert / this floor beside convert / cp.
//
// How: one thread preads into a 1 MiB buffer and writes each shard, starts its writeback with
// sync_file_range when the shard is done, and hands its fsync + close to 2 background threads
// so the next shard is written while the last ones reach the disk; at the end the folder and its
// parent are fsync'ed. Timed from opening the source to the parent's fsync.
//
//   bench_durable_write_floor SOURCE_FILE OUT_DIR [SHARD_BYTES=4194304] [SKIP_BYTES=0]
//   OUT_DIR must not exist; it is created. Bytes from SKIP_BYTES to the end are copied.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kDefaultShardBytes = 4u << 20; // the converter's default shard size
constexpr std::size_t kBufferBytes = 1u << 20;
constexpr int kSyncThreads = 2;

// A failed call, with the file it was about; main prints it and exits 1.
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// strerror is not thread-safe; this is (the sync threads report errors too).
std::string errnoText(int e) { return std::generic_category().message(e); }

[[noreturn]] void fail(const std::string& file, const std::string& what, int e)
{
    throw Failure(file + ": " + what + ": " + errnoText(e));
}

std::uint64_t parseBytes(const char* text, const char* what)
{
    std::uint64_t value = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || ptr != end)
        throw Failure(std::string(what) + ": not a byte count: '" + text + "'");
    return value;
}

int openDir(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        fail(path, "cannot open folder", errno);
    return fd;
}

void syncAndClose(int fd, const std::string& path)
{
    if (::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        fail(path, "fsync", e);
    }
    if (::close(fd) != 0)
        fail(path, "close", errno);
}

// Finished shards waiting for fsync + close. The destructor waits for all of them, so every fd is
// closed even when the writer throws; the first error is kept for the writer to report.
class SyncQueue {
public:
    SyncQueue()
    {
        for (int i = 0; i < kSyncThreads; ++i)
            m_threads.emplace_back([this] { work(); });
    }
    ~SyncQueue() { finish(); }
    SyncQueue(const SyncQueue&) = delete;
    SyncQueue& operator=(const SyncQueue&) = delete;

    void push(int fd, std::string path)
    {
        {
            std::lock_guard lock(m_mutex);
            m_pending.push_back({fd, std::move(path)});
        }
        m_wake.notify_one();
    }

    // Waits for every queued shard; returns the first error, empty if none.
    std::string finish()
    {
        {
            std::lock_guard lock(m_mutex);
            m_closing = true;
        }
        m_wake.notify_all();
        m_threads.clear(); // jthread joins
        return m_error;
    }

private:
    struct Shard {
        int fd;
        std::string path;
    };

    void work()
    {
        for (;;) {
            Shard shard;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return m_closing || !m_pending.empty(); });
                if (m_pending.empty())
                    return;
                shard = std::move(m_pending.front());
                m_pending.pop_front();
            }
            try {
                syncAndClose(shard.fd, shard.path);
            } catch (const Failure& f) {
                std::lock_guard lock(m_mutex);
                if (m_error.empty())
                    m_error = f.what();
            }
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Shard> m_pending;
    bool m_closing = false;
    std::string m_error;
    std::vector<std::jthread> m_threads; // last: joined before the members they use go away
};

// Copies [offset, offset + bytes) of `in` into a new file, then starts its writeback.
int writeShard(int in, const std::string& source, std::uint64_t offset, std::uint64_t bytes,
               int dirFd, const std::string& path, const std::string& name, std::vector<char>& buffer)
{
    const int out = ::openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0)
        fail(path, "cannot create", errno);
    try {
        while (bytes > 0) {
            const std::size_t want = bytes < buffer.size() ? static_cast<std::size_t>(bytes) : buffer.size();
            const ssize_t got = ::pread(in, buffer.data(), want, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                fail(source, "pread", errno);
            if (got == 0)
                throw Failure(source + ": ended early (did it shrink while being read?)");
            for (std::size_t done = 0; done < static_cast<std::size_t>(got);) {
                const ssize_t put = ::write(out, buffer.data() + done, static_cast<std::size_t>(got) - done);
                if (put < 0 && errno == EINTR)
                    continue;
                if (put < 0)
                    fail(path, "write", errno);
                done += static_cast<std::size_t>(put);
            }
            offset += static_cast<std::uint64_t>(got);
            bytes -= static_cast<std::uint64_t>(got);
        }
        if (::sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE) != 0)
            fail(path, "sync_file_range", errno);
    } catch (...) {
        ::close(out);
        throw;
    }
    return out;
}

int run(int argc, char** argv)
{
    if (argc < 3 || argc > 5) {
        std::fprintf(stderr, "usage: %s SOURCE_FILE OUT_DIR [SHARD_BYTES=%llu] [SKIP_BYTES=0]\n", argv[0],
                     static_cast<unsigned long long>(kDefaultShardBytes));
        return 2;
    }
    const std::string source = argv[1];
    std::string outDir = argv[2];
    while (outDir.size() > 1 && outDir.back() == '/')
        outDir.pop_back();
    const std::uint64_t shardBytes = argc > 3 ? parseBytes(argv[3], "SHARD_BYTES") : kDefaultShardBytes;
    const std::uint64_t skip = argc > 4 ? parseBytes(argv[4], "SKIP_BYTES") : 0;
    if (shardBytes == 0)
        throw Failure("SHARD_BYTES: must be more than 0");
    std::string parent = fs::path(outDir).parent_path().string();
    if (parent.empty())
        parent = ".";
    std::vector<char> buffer(kBufferBytes);

    const auto start = std::chrono::steady_clock::now();
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
        fail(source, "cannot open", errno);
    struct stat st {};
    if (::fstat(in, &st) != 0)
        fail(source, "fstat", errno);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (skip > size)
        throw Failure(source + ": SKIP_BYTES " + std::to_string(skip) + " is past its end (" + std::to_string(size) + " bytes)");
    const std::uint64_t bytes = size - skip;
    const std::uint64_t shards = (bytes + shardBytes - 1) / shardBytes;

    if (::mkdir(outDir.c_str(), 0755) != 0)
        fail(outDir, errno == EEXIST ? "must not exist" : "cannot create folder", errno);
    const int dirFd = openDir(outDir);
    {
        SyncQueue queue;
        for (std::uint64_t i = 0; i < shards; ++i) {
            const std::uint64_t offset = skip + i * shardBytes;
            const std::uint64_t n = std::min(shardBytes, size - offset);
            const std::string name = "group1-shard" + std::to_string(i + 1) + "of" + std::to_string(shards) + ".bin";
            const std::string path = outDir + "/" + name;
            queue.push(writeShard(in, source, offset, n, dirFd, path, name, buffer), path);
        }
        const std::string error = queue.finish();
        if (!error.empty())
            throw Failure(error);
    }
    syncAndClose(dirFd, outDir);
    syncAndClose(openDir(parent), parent);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (::close(in) != 0)
        fail(source, "close", errno);

    std::printf("durable write floor: %.4f s for %llu bytes in %llu shards\n", seconds,
                static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(shards));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const Failure& f) {
        std::fprintf(stderr, "bench_durable_write_floor: %s\n", f.what());
        return 1;
    }
}
