// The appending shard writer: fixed-size cuts, each finished shard synced on threads of its own.
#include "core/tfjs/shard_writer.h"

#include "core/error.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace studio::core {

namespace {

std::string errnoText() { return std::strerror(errno); }

// Two threads sync shards at once: the disk takes two requests in parallel a little faster than
// one (192 MiB in 49 shards: median 114 ms against 118 ms, 8 interleaved runs each).
constexpr int kSyncThreads = 2;

} // namespace

// Syncs and closes the descriptors it is given, on threads of its own. fsync is where the kernel
// submits the file's pages to the disk and waits for them: done here, it overlaps the copying of
// the next shards instead of following it.
struct ShardWriter::Syncer {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::pair<int, std::string>> queue; // descriptor, shard name
    bool stopping = false;  // finish() or the destructor: no more will come
    bool discard = false;   // the destructor on an error path: close without syncing
    std::string failure;    // the first failure, "name: reason"
    std::vector<std::thread> threads;

    explicit Syncer(int count)
    {
        for (int i = 0; i < count; ++i)
            threads.emplace_back([this] { run(); });
    }
    ~Syncer() { stop(true); }

    void push(int fd, const std::string& name)
    {
        {
            std::lock_guard lock(mutex);
            queue.emplace_back(fd, name);
        }
        changed.notify_all();
    }

    // Waits until everything handed over is synced (or, with `dropAll`, closed) and the thread ended.
    void stop(bool dropAll)
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
            discard = discard || dropAll;
        }
        changed.notify_all();
        for (auto& t : threads)
            if (t.joinable())
                t.join();
    }

    void run()
    {
        std::unique_lock lock(mutex);
        for (;;) {
            changed.wait(lock, [&] { return !queue.empty() || stopping; });
            if (queue.empty())
                return;
            auto [fd, name] = queue.front();
            queue.pop_front();
            const bool sync = !discard && failure.empty();
            lock.unlock();
            std::string why;
            if (sync && ::fsync(fd) != 0)
                why = errnoText();
            if (::close(fd) != 0 && why.empty() && sync)
                why = errnoText();
            lock.lock();
            if (!why.empty() && failure.empty())
                failure = name + ": write failed: " + why;
        }
    }
};

ShardWriter::ShardWriter(std::filesystem::path dir, std::vector<std::string> names, std::uint64_t shardSize)
    : m_dir(std::move(dir)), m_names(std::move(names)), m_shardSize(shardSize), m_syncer(std::make_unique<Syncer>(kSyncThreads))
{
}

ShardWriter::~ShardWriter()
{
    if (m_fd >= 0)
        ::close(m_fd);
    // m_syncer's destructor closes what is left without waiting for the disk.
}

std::uint64_t ShardWriter::room()
{
    if (m_fd < 0 || m_inShard == m_shardSize)
        nextFile();
    return m_shardSize - m_inShard;
}

void ShardWriter::write(const std::uint8_t* data, std::size_t n)
{
    while (n > 0) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(n, room()));
        const ssize_t w = ::write(m_fd, data, take);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail(m_names[m_index - 1], "write failed: " + errnoText());
        data += w;
        n -= static_cast<std::size_t>(w);
        m_inShard += static_cast<std::uint64_t>(w);
    }
}

void ShardWriter::copy(const ByteSource& source, std::uint64_t offset, std::uint64_t n)
{
    if (const auto* memory = dynamic_cast<const MemorySource*>(&source)) {
        if (offset > memory->size() || n > memory->size() - offset)
            fail("", "read past the end of an in-memory buffer");
        write(memory->bytes().data() + offset, static_cast<std::size_t>(n));
        return;
    }
    // Inside the kernel, a shard at a time, for as long as it can.
    while (n > 0) {
        const std::uint64_t take = std::min(n, room());
        const std::uint64_t copied = source.copyToFile(offset, take, m_fd);
        m_inShard += copied;
        offset += copied;
        n -= copied;
        if (copied < take)
            break;
    }
    // The rest through memory, in one ordered pass (a checksummed source checks it on the way;
    // when it throws, the caller discards the folder being written).
    if (n > 0)
        source.readInOrder(offset, n, [this](const std::uint8_t* data, std::size_t len) { write(data, len); });
}

void ShardWriter::finish()
{
    closeFile();
    m_syncer->stop(false);
    if (!m_syncer->failure.empty()) {
        const auto colon = m_syncer->failure.find(": ");
        fail(m_syncer->failure.substr(0, colon), m_syncer->failure.substr(colon + 2));
    }
}

void ShardWriter::nextFile()
{
    closeFile();
    if (m_index >= m_names.size())
        fail("shards", "more bytes than planned (internal error)");
    const auto path = m_dir / m_names[m_index++];
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (m_fd < 0)
        fail(m_names[m_index - 1], "cannot create: " + errnoText());
    m_inShard = 0;
}

void ShardWriter::closeFile()
{
    if (m_fd < 0)
        return;
    const int fd = m_fd;
    m_fd = -1;
    // Start the shard's write-back now, without waiting: by the time a sync thread's fsync gets to
    // it, most of its pages are on their way. Where the kernel lacks it, fsync does it all.
    (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    m_syncer->push(fd, m_names[m_index - 1]);
}

} // namespace studio::core
