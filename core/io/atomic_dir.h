// Replacing a folder atomically and durably: the new contents are built in a hidden temporary
// folder beside the target (same file system), synced to disk, then renamed into place, so a
// crash or an error leaves either the old folder or the new one, never a mix.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace studio::core {

// What an existing target may hold for it to be replaced whole. Anything else (a home folder
// picked by mistake, the user's notes) makes the write refuse before it starts.
struct ReplaceableContents {
    std::function<bool(const std::string& fileName)> isOurs; // asked for regular files only
    std::string description;                                 // "a TF.js model", for the message
};

// Throws studio::Error naming the first entry of `target` that is not ours.
void checkReplaceable(const std::filesystem::path& target, const ReplaceableContents& contents);

// A temporary folder "<parent>/.<name>.tmp-XXXXXX" (mkdtemp) that becomes `target` on commit();
// destroyed without commit() (an error, a cancel), it is removed and the target is untouched.
class AtomicDir {
public:
    // Refuses a target that is a file or holds more than `contents`; creates missing parents.
    AtomicDir(const std::filesystem::path& target, const ReplaceableContents& contents);
    ~AtomicDir();
    AtomicDir(const AtomicDir&) = delete;
    AtomicDir& operator=(const AtomicDir&) = delete;

    const std::filesystem::path& target() const { return m_target; }
    // Where to write the new contents (every file there must be synced: syncFile / writeFileSynced).
    const std::filesystem::path& staging() const { return m_staging; }

    // Syncs the staging folder, swaps it in for the target (the old contents are deleted), then
    // syncs the parent so the rename itself survives a crash.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_staging;
    bool m_committed = false;
};

// Flushes stdio's buffer and fsyncs the file; `label` names it in the error.
void syncFile(std::FILE* file, const std::string& label);

// Creates (or truncates) `path`, writes `bytes` and fsyncs it before closing.
void writeFileSynced(const std::filesystem::path& path, std::string_view bytes);

} // namespace studio::core
