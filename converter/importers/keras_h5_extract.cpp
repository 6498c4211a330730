// Walks a Keras .h5 file with libhdf5 and streams what the importer needs. Runs in the reader
// child only: libhdf5 crashes or spins on some damaged files, and that must not take the studio.
#include "converter/importers/keras_h5_extract.h"

#include "converter/importers/hdf5_file.h"
#include "converter/importers/limits.h"
#include "core/error.h"

#include <algorithm>
#include <set>

namespace studio::conv {

namespace {

// Real Keras files nest weight groups two or three levels deep (nested models add a few).
constexpr int kMaxGroupDepth = 64;

class Extractor {
public:
    explicit Extractor(const std::string& path) : m_file(path) {}

    // Keras 3 weights file (model.weights.h5 inside a .keras archive): every dataset under
    // /layers/**/vars/<i>. Optimizer and metric state are not the model's and stay unread.
    void runKeras3(std::FILE* out)
    {
        const hid_t root = m_file.id();
        KerasH5Contents c;
        c.weightsOnly = true;
        if (!m_file.hasGroup(root, "layers"))
            fail(m_file.label(), "has no 'layers' group: not the weights file of a Keras 3 model");
        const auto layers = m_file.openGroup(root, "layers");
        m_onPath.insert(m_file.objectAddress(root));
        m_onPath.insert(m_file.objectAddress(layers.id()));
        for (const auto& child : m_file.childNames(layers.id()))
            if (m_file.isGroup(layers.id(), child))
                walkKeras3(layers.id(), child, "layers/" + child, 1, c);
        send(out, c);
    }

    void run(std::FILE* out)
    {
        const hid_t root = m_file.id();
        KerasH5Contents c;
        c.kerasVersion = m_file.stringAttribute(root, "keras_version");
        c.backend = m_file.stringAttribute(root, "backend");
        if (m_file.hasAttribute(root, "layer_names")) {
            // Weights-only file (model.save_weights): layers in layer_names order, no topology.
            c.weightsOnly = true;
            for (const auto& layer : m_file.stringListAttribute(root, "layer_names")) {
                if (!m_file.hasGroup(root, layer))
                    fail(m_file.label(), "layer '" + layer + "' is listed in layer_names but has no group");
                const auto g = m_file.openGroup(root, layer);
                addWeights(g.id(), layer, c);
            }
        } else {
            c.modelConfig = m_file.stringAttribute(root, "model_config");
            if (!c.modelConfig)
                fail(m_file.label(), "has no model_config attribute and no layer_names: not a Keras model file");
            c.trainingConfig = m_file.stringAttribute(root, "training_config");
            if (!m_file.hasGroup(root, "model_weights"))
                fail(m_file.label(), "has no model_weights group (missing weights)");
            const auto weights = m_file.openGroup(root, "model_weights");
            m_onPath.insert(m_file.objectAddress(weights.id()));
            // h5py order: children sorted by name, not layer_names order.
            for (const auto& child : m_file.childNames(weights.id()))
                if (m_file.isGroup(weights.id(), child))
                    walk(weights.id(), child, "/model_weights/" + child, 1, c);
        }
        send(out, c);
    }

private:
    void send(std::FILE* out, KerasH5Contents& c)
    {
        const hid_t root = m_file.id();
        c.fileBytes = m_file.fileBytes();
        const std::string header = encodeH5Header(c);
        std::uint8_t size[8];
        for (int i = 0; i < 8; ++i)
            size[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i));
        write(out, kH5StreamMagic, sizeof kH5StreamMagic - 1);
        write(out, size, 8);
        write(out, header.data(), header.size());
        for (std::size_t i = 0; i < c.weights.size(); ++i) {
            if (c.weights[i].fileOffset)
                continue; // the parent reads it from the file
            const auto g = m_file.openGroup(root, m_groups[i]);
            const auto bytes = m_file.readDataset(g.id(), m_datasets[i], m_infos[i]);
            write(out, bytes.data(), bytes.size());
        }
        if (std::fflush(out) != 0)
            fail(m_file.label(), "cannot send the weights to the studio (pipe closed)");
    }

    void write(std::FILE* out, const void* data, std::size_t n)
    {
        if (n && std::fwrite(data, 1, n, out) != n)
            fail(m_file.label(), "cannot send the weights to the studio (pipe closed)");
    }

    // A group with weight_names holds weights; any other group is searched below. A group that
    // is its own ancestor (a hard link to a parent) is a cycle: refused, never walked forever.
    void walk(hid_t parent, const std::string& name, const std::string& path, int depth, KerasH5Contents& c)
    {
        if (depth > kMaxGroupDepth)
            fail(m_file.label(), "group '" + path + "' is nested more than " + std::to_string(kMaxGroupDepth)
                    + " groups deep (damaged file?)");
        const auto g = m_file.openGroup(parent, name);
        const auto address = m_file.objectAddress(g.id());
        if (m_onPath.count(address))
            fail(m_file.label(), "group '" + path + "' links back to one of its own parent groups: the file's group "
                    "structure has a cycle (damaged or crafted file)");
        if (m_file.hasAttribute(g.id(), "weight_names")) {
            addWeights(g.id(), name, c, path);
            return;
        }
        m_onPath.insert(address);
        for (const auto& child : m_file.childNames(g.id()))
            if (m_file.isGroup(g.id(), child))
                walk(g.id(), child, path + "/" + child, depth + 1, c);
        m_onPath.erase(address);
    }

    // A Keras 3 object group: its own variables in vars/0, vars/1, ... (the vars group names the
    // layer in a 'name' attribute in recent Keras), its sub-objects (layers/, cell/,
    // forward_layer/, ...) beside it. `layer` carries the names down: "bidirectional/forward_lstm".
    void walkKeras3(hid_t parent, const std::string& name, const std::string& path, int depth, KerasH5Contents& c)
    {
        if (depth > kMaxGroupDepth)
            fail(m_file.label(), "group '/" + path + "' is nested more than " + std::to_string(kMaxGroupDepth)
                    + " groups deep (damaged file?)");
        const auto g = m_file.openGroup(parent, name);
        const auto address = m_file.objectAddress(g.id());
        if (m_onPath.count(address))
            fail(m_file.label(), "group '/" + path + "' links back to one of its own parent groups: the file's group "
                    "structure has a cycle (damaged or crafted file)");
        m_onPath.insert(address);
        for (const auto& child : m_file.childNames(g.id())) {
            if (!m_file.isGroup(g.id(), child))
                continue;
            if (child != "vars") {
                walkKeras3(g.id(), child, path + "/" + child, depth + 1, c);
                continue;
            }
            const auto vars = m_file.openGroup(g.id(), child);
            const std::string layerName = m_file.stringAttribute(vars.id(), "name").value_or("");
            // vars/0, vars/1, ..., vars/10: by number, not by name.
            std::vector<std::pair<unsigned long, std::string>> indexed;
            for (const auto& v : m_file.childNames(vars.id())) {
                if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
                    fail(m_file.label(), "'/" + path + "/vars/" + v + "' is not a numbered variable (damaged file?)");
                indexed.emplace_back(std::stoul(v), v);
            }
            std::sort(indexed.begin(), indexed.end());
            for (const auto& [index, v] : indexed) {
                const h5::DatasetInfo info = m_file.datasetInfo(vars.id(), v);
                H5Weight w;
                w.layer = layerName;
                w.listedName = path + "/vars/" + v;
                w.fullPath = "/" + w.listedName;
                fill(w, info);
                c.weights.push_back(std::move(w));
                m_infos.push_back(info);
                m_groups.push_back("/" + path + "/vars");
                m_datasets.push_back(v);
            }
        }
        m_onPath.erase(address);
    }

    void fill(H5Weight& w, const h5::DatasetInfo& info)
    {
        w.dims = info.dims;
        w.typeSize = static_cast<std::uint32_t>(info.typeSize);
        w.byteSize = info.byteSize;
        w.fileOffset = info.fileOffset;
        switch (info.typeClass) {
        case H5T_FLOAT: w.kind = H5ElementKind::Float; break;
        case H5T_INTEGER: w.kind = info.isSigned ? H5ElementKind::SignedInt : H5ElementKind::UnsignedInt; break;
        case H5T_ENUM: w.kind = H5ElementKind::Bool; break; // h5py writes numpy bools as a 1-byte enum
        default: w.kind = H5ElementKind::Other; break;
        }
    }

    void addWeights(hid_t layerGroup, const std::string& layer, KerasH5Contents& c, std::string groupPath = {})
    {
        if (groupPath.empty())
            groupPath = "/" + layer;
        for (const auto& weightName : m_file.stringListAttribute(layerGroup, "weight_names")) {
            // Only a missing link means "missing": a damaged dataset keeps its own, sharper error.
            if (!m_file.hasLink(layerGroup, weightName))
                fail(m_file.label(), "layer '" + layer + "': weight '" + weightName + "' is listed but missing");
            const h5::DatasetInfo info = m_file.datasetInfo(layerGroup, weightName);
            H5Weight w;
            w.layer = layer;
            w.listedName = weightName;
            w.fullPath = info.fullPath;
            fill(w, info);
            c.weights.push_back(std::move(w));
            m_infos.push_back(info);
            m_groups.push_back(groupPath);
            m_datasets.push_back(weightName);
        }
    }

    h5::File m_file;
    std::set<std::uint64_t> m_onPath;  // addresses of the groups from model_weights down to here
    std::vector<h5::DatasetInfo> m_infos; // per weight, for reading after the header is sent
    std::vector<std::string> m_groups;    // per weight: the absolute path of its group
    std::vector<std::string> m_datasets;  // per weight: its dataset's path in that group
};

} // namespace

void extractKerasH5(const std::string& path, std::FILE* out)
{
    Extractor(path).run(out);
}

void extractKeras3Weights(const std::string& path, std::FILE* out)
{
    Extractor(path).runKeras3(out);
}

} // namespace studio::conv
