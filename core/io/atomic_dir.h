// Replacing a folder atomically and durably: the new contents are built in a hidden temporary
// folder beside the target (same file system), synced to disk, then renamed into place, so a
// crash or an error leaves either the old folder or the new one, never a mix.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace studio::core {

// What an existing target may hold for it to be replaced whole. Anything else (a home folder
// picked by mistake, the user's notes, a backup beside the previous model) makes the write
// refuse before it starts.
struct ReplaceableContents {
    // The names of the regular files in `target` that are ours to delete, as the previous
    // contents themselves say (a model.json's manifest); throws studio::Error when they cannot.
    std::function<std::set<std::string>(const std::filesystem::path& target)> ourFiles;
    std::string description; // "the previous TF.js model", for the message
};

// Throws studio::Error naming the first entry of `target` that is not ours; returns our files.
std::set<std::string> checkReplaceable(const std::filesystem::path& target, const ReplaceableContents& contents);

// Crash-safety tests only: when the environment variable STUDIO_TEST_CRASH_AT equals `step`,
// the process kills itself here with SIGKILL (no destructors, no flushes), as a power cut or
// `kill -9` would. Without the variable it does nothing.
void testCrashPoint(const char* step);

// A temporary folder "<parent>/.<name>.tmp-<pid>-XXXXXX" (mkdtemp) that becomes `target` on
// commit(); destroyed without commit() (an error, a cancel), it is removed and the target is
// untouched. The PID in the name lets a later write to the same target remove what a killed
// writer left behind (removeLeftovers).
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

    // Syncs the staging folder, swaps it in for the target (the old contents, our files only,
    // are deleted), then syncs the parent so the rename itself survives a crash.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_staging;
    std::set<std::string> m_previousFiles; // the target's files when checked: what commit() may delete
    bool m_committed = false;
};

// Removes the temporary folders of `target` ("<parent>/.<name>.tmp-<pid>-XXXXXX" and
// ".old-<pid>-XXXXXX") left by writers that were killed: only those whose writer process no
// longer exists and that hold nothing but model.json and shard files. Anything else is left
// alone. An ".old-" folder while `target` is missing (killed between the two renames of the
// fallback swap) is renamed back to `target` instead. Returns how many were removed or put
// back. AtomicDir calls it before each write.
int removeLeftovers(const std::filesystem::path& target);

// Flushes stdio's buffer and fsyncs the file; `label` names it in the error.
void syncFile(std::FILE* file, const std::string& label);

// Creates (or truncates) `path`, writes `bytes` and fsyncs it before closing.
void writeFileSynced(const std::filesystem::path& path, std::string_view bytes);

} // namespace studio::core
