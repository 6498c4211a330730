// The appending shard writer: fixed-size cuts, every shard fsynced.
#include "core/tfjs/shard_writer.h"

#include "core/error.h"
#include "core/io/atomic_dir.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace studio::core {

ShardWriter::ShardWriter(std::filesystem::path dir, std::vector<std::string> names, std::uint64_t shardSize)
    : m_dir(std::move(dir)), m_names(std::move(names)), m_shardSize(shardSize)
{
}

ShardWriter::~ShardWriter()
{
    if (m_file)
        std::fclose(m_file);
}

void ShardWriter::write(const std::uint8_t* data, std::size_t n)
{
    while (n > 0) {
        if (!m_file || m_inShard == m_shardSize)
            nextFile();
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, m_shardSize - m_inShard));
        if (std::fwrite(data, 1, take, m_file) != take)
            fail(m_names[m_index - 1], std::string("write failed: ") + std::strerror(errno));
        data += take;
        n -= take;
        m_inShard += take;
    }
}

void ShardWriter::finish() { closeFile(); }

void ShardWriter::nextFile()
{
    closeFile();
    if (m_index >= m_names.size())
        fail("shards", "more bytes than planned (internal error)");
    const auto path = m_dir / m_names[m_index++];
    m_file = std::fopen(path.c_str(), "wb");
    if (!m_file)
        fail(m_names[m_index - 1], std::string("cannot create: ") + std::strerror(errno));
    m_inShard = 0;
}

void ShardWriter::closeFile()
{
    if (!m_file)
        return;
    std::FILE* file = m_file;
    m_file = nullptr;
    const std::string& name = m_names[m_index - 1];
    try {
        syncFile(file, name);
    } catch (...) {
        std::fclose(file);
        throw;
    }
    if (std::fclose(file) != 0)
        fail(name, std::string("write failed: ") + std::strerror(errno));
}

} // namespace studio::core
