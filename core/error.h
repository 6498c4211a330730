// The error types of the project: Error (a message that already says where, plus the structured
// location so the studio can select the cause) and Cancelled (the user asked to stop; never an error).
#pragma once

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

namespace studio {

// Where an error comes from. Every field is optional; the studio uses them to select the cause
// (the node in the graph, the weight in the manifest, the layer in the Keras view).
struct Location {
    std::string file;   // "model.json", "variables.index", "/path/model.h5"
    std::string node;   // graph node name
    std::string weight; // weight / tensor name
    std::string layer;  // Keras layer name
    std::string field;  // JSON key, proto field, HDF5 attribute

    bool empty() const { return file.empty() && node.empty() && weight.empty() && layer.empty() && field.empty(); }

    static Location atNode(std::string file, std::string node) { Location l; l.file = std::move(file); l.node = std::move(node); return l; }
    static Location atWeight(std::string file, std::string weight) { Location l; l.file = std::move(file); l.weight = std::move(weight); return l; }
    static Location atLayer(std::string file, std::string layer) { Location l; l.file = std::move(file); l.layer = std::move(layer); return l; }
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
    Error(const std::string& message, Location where) : std::runtime_error(message), m_where(std::move(where)) {}
    const Location& where() const { return m_where; }

private:
    Location m_where;
};

// The user (or the caller) cancelled the work. Deliberately not a studio::Error, so that no
// catch of errors turns a cancellation into an error message.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override { return "cancelled"; }
};

// A cancel flag shared between the thread that asks and the worker that polls. Copies share
// the flag; a default-constructed token can never be cancelled.
class CancelToken {
public:
    static CancelToken make() { CancelToken t; t.m_flag = std::make_shared<std::atomic<bool>>(false); return t; }
    void cancel() const { if (m_flag) m_flag->store(true); }
    bool cancelled() const { return m_flag && m_flag->load(std::memory_order_relaxed); }
    // Throws Cancelled when cancellation was asked for; call between units of work.
    void check() const { if (cancelled()) throw Cancelled(); }
    explicit operator bool() const { return static_cast<bool>(m_flag); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

// Prefixes an error with a location ("model.json: ...") while keeping the type.
[[noreturn]] inline void fail(const std::string& where, const std::string& what)
{
    throw Error(where.empty() ? what : where + ": " + what, Location{where, {}, {}, {}, {}});
}

// The same with a structured location; the message is prefixed with the file and then the
// most specific of node / weight / layer ("model.json: node 'conv1': ...").
[[noreturn]] inline void fail(const Location& where, const std::string& what)
{
    std::string prefix = where.file;
    auto add = [&](const char* kind, const std::string& name) {
        if (name.empty())
            return;
        prefix += (prefix.empty() ? "" : ": ") + std::string(kind) + " '" + name + "'";
    };
    add("node", where.node);
    add("weight", where.weight);
    add("layer", where.layer);
    if (!where.field.empty())
        prefix += (prefix.empty() ? "" : ": ") + where.field;
    throw Error(prefix.empty() ? what : prefix + ": " + what, where);
}

} // namespace studio
