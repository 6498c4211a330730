// Writing one weight group's bytes as consecutive shard files, cut every shardSize bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace studio::core {

// Appends bytes across the planned shard files of one group. Each finished shard is synced to
// disk before it is closed, so that the folder can be renamed into place durably.
class ShardWriter {
public:
    ShardWriter(std::filesystem::path dir, std::vector<std::string> names, std::uint64_t shardSize);
    ~ShardWriter(); // closes without syncing: only reached with finish() on an error path
    ShardWriter(const ShardWriter&) = delete;
    ShardWriter& operator=(const ShardWriter&) = delete;

    void write(const std::uint8_t* data, std::size_t n);
    // Syncs and closes the last shard; throws studio::Error naming it on failure.
    void finish();

private:
    void nextFile();
    void closeFile();

    std::filesystem::path m_dir;
    std::vector<std::string> m_names;
    std::uint64_t m_shardSize;
    std::size_t m_index = 0;
    std::uint64_t m_inShard = 0;
    std::FILE* m_file = nullptr;
};

} // namespace studio::core
