// Conversion driver: resolves the route, checks the flags the way tensorflowjs_converter does,
// then runs the route's stages.
#include "converter/convert.h"

#include "converter/exporters/keras_h5_export.h"
#include "converter/importers/importer.h"
#include "converter/passes/graph_edit.h"
#include "converter/passes/graph_passes.h"
#include "converter/passes/lower_layers.h"
#include "core/error.h"
#include "core/tfjs/json_limits.h"

#include <chrono>
#include <fstream>
#include <set>

namespace studio::conv {

namespace fs = std::filesystem;

namespace {

// A TensorFlow graph must be acyclic apart from its loops' back edges (NextIteration -> Merge);
// a cycle elsewhere would make every later stage loop or read garbage. Throws naming a node on it.
void checkAcyclic(const core::Model& model)
{
    const core::GraphIndex index(model.graph);
    const auto n = index.size();
    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::size_t>> consumers(n);
    for (std::size_t k = 0; k < n; ++k)
        for (const auto& in : index.inputs(k)) {
            const auto& producer = model.graph.nodes[in.node].op;
            if (producer == "NextIteration" || producer == "RefNextIteration")
                continue; // a loop's back edge
            ++pending[k];
            consumers[in.node].push_back(k);
        }
    std::vector<std::size_t> ready;
    for (std::size_t k = 0; k < n; ++k)
        if (pending[k] == 0)
            ready.push_back(k);
    std::size_t done = 0;
    while (!ready.empty()) {
        const auto k = ready.back();
        ready.pop_back();
        ++done;
        for (const auto c : consumers[k])
            if (--pending[c] == 0)
                ready.push_back(c);
    }
    if (done == n)
        return;
    for (std::size_t k = 0; k < n; ++k)
        if (pending[k] != 0)
            fail(Location::atNode(model.sourcePath, std::string(index.name(k))),
                "the graph has a cycle through this node outside any loop (NextIteration -> Merge)");
}

double secondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void applyMetadata(core::Model& model, const ConvertOptions& o)
{
    if (o.metadata.empty())
        return;
    if (!model.meta.userDefinedMetadata.is_object())
        model.meta.userDefinedMetadata = nlohmann::ordered_json::object();
    for (const auto& [key, path] : o.metadata) {
        std::ifstream in(path, std::ios::binary);
        nlohmann::ordered_json value;
        try {
            if (!in)
                throw std::runtime_error("cannot open");
            value = core::parseJsonLimited(in, path);
        } catch (const std::exception&) {
            fail(path, "Loading metadata error: the path is expected to contain valid JSON content, but cannot read "
                       "valid JSON content from " + path + ".");
        }
        model.meta.userDefinedMetadata[key] = value;
    }
}

// One weight group per layer that has weights, in the order the weights were read.
void splitByLayer(core::Model& model)
{
    std::vector<core::WeightGroup> groups;
    for (auto& g : model.weightGroups)
        for (auto& w : g.weights) {
            if (groups.empty() || groups.back().weights.back().layer != w.layer)
                groups.emplace_back();
            groups.back().weights.push_back(std::move(w));
        }
    model.weightGroups = std::move(groups);
}

Format parseFormat(const std::string& name, const char* flag)
{
    const auto f = formatFromName(name);
    if (!f)
        fail("convert", std::string("argument ") + flag + ": invalid choice: '" + name + "'");
    return *f;
}

// tf_frozen_model (CONVERTER.md 3.6): the outputs are the --output_node_names, each a node of
// the graph, and the signature names them without inputs (FORMATS.md 1.6).
void useOutputNodeNames(core::Model& model, const std::vector<std::string>& names)
{
    model.outputs.clear();
    auto outputs = nlohmann::ordered_json::object();
    for (const auto& name : names) {
        if (!model.graph.find(core::inputNodeName(name)))
            fail(model.sourcePath, "--output_node_names names '" + name + "', which is not a node of the graph");
        core::TensorSpec t;
        t.key = name;
        t.name = name.find(':') == std::string::npos ? name + ":0" : name;
        model.outputs.push_back(t);
        outputs[name] = nlohmann::ordered_json{{"name", name}};
    }
    model.meta.signature = nlohmann::ordered_json{{"outputs", outputs}};
}

// After the passes: the remaining placeholders are the inputs, and the weights are one group of
// the Consts' values in node order, as the reference extracts them.
void finishOptimizedGraph(core::Model& model)
{
    std::set<std::string> placeholders;
    for (const auto& n : model.graph.nodes)
        if (n.op == "Placeholder")
            placeholders.insert(n.name);
    std::erase_if(model.inputs, [&](const core::TensorSpec& t) { return !placeholders.count(core::inputNodeName(t.name)); });
    edit::nameFunctionConsts(model.graph);
    edit::weightsInConstOrder(model);
}

// The pass list on a lowered or imported graph, as convert() runs it: a frozen graph first gets
// its --output_node_names as outputs, and the result its final touches.
std::vector<PassReport> runGraphPasses(core::Model& model, Format input, const ConvertOptions& o, const ConvertHooks& hooks)
{
    PassContext context;
    context.options = &o;
    context.cancel = hooks.cancel;
    context.evaluate = hooks.evaluate;
    context.maxMemoryBytes = o.maxMemoryBytes;
    if (input == Format::TfFrozenModel)
        useOutputNodeNames(model, o.outputNodeNames);
    auto reports = graphPasses(o).run(model, context);
    if (model.kind == core::ModelKind::GraphModel)
        finishOptimizedGraph(model);
    return reports;
}

} // namespace

const Route& resolveRoute(const ConvertOptions& o)
{
    const Format in = o.inputFormat.empty() ? detectInputFormat(o.inputPath) : parseFormat(o.inputFormat, "--input_format");
    const std::string inName(formatName(in));
    if (!o.signatureName.empty() && in != Format::TfSavedModel && in != Format::TfHub)
        fail("convert", "The --signature_name flag is applicable only to \"tf_saved_model\" and \"tf_hub\" input "
                        "format, but the current input format is \"" + inName + "\".");
    if (in == Format::TfFrozenModel && o.outputNodeNames.empty())
        fail("convert", "The --output_node_names flag is required for \"tf_frozen_model\"");
    std::optional<Format> out;
    if (!o.outputFormat.empty())
        out = parseFormat(o.outputFormat, "--output_format");
    else
        out = defaultOutputFormat(in);
    const std::string outName = out ? std::string(formatName(*out)) : std::string("None");
    if (o.shardSizeGiven && !(out && isTfjs(*out)))
        fail("convert", "The --weight_shard_size_bytes flag is only supported when output_format is tfjs_layers_model "
                        "or tfjs_graph_model.");
    if (o.controlFlowV2 && out != Format::TfjsGraphModel)
        fail("convert", "The --control_flow_v2 flag is applicable only to \"tfjs_graph_model\" as output format.");
    const Route* route = out ? findRoute(in, *out) : nullptr;
    if (!route)
        fail("convert", "Unsupported input_format - output_format pair: " + inName + " - " + outName);
    if (route->status == RouteStatus::Pending) {
        // An input this build cannot read at all says so in its importer's own words.
        const Importer* importer = importerFor(in);
        if (importer && !importer->implemented())
            (void)importer->read(o.inputPath, ImportOptions{});
        fail(o.inputPath, inName + " -> " + outName + " is not in this build yet: " + std::string(route->note));
    }
    // A flag that this route would silently ignore is refused, so no one believes it took effect.
    const auto problems = unsupportedOptionProblems(o, inName, outName);
    if (!problems.empty()) {
        std::string text;
        for (const auto& p : problems)
            text += (text.empty() ? "" : "; ") + p;
        fail("convert", text);
    }
    return *route;
}

core::Model graphForRuntime(const core::Model& model)
{
    if (model.kind == core::ModelKind::LayersModel)
        return lowerLayersModel(model);
    if (model.kind == core::ModelKind::WeightsOnly)
        fail(model.sourcePath, "has weights but no model topology; there is nothing to run");
    return model;
}

core::Model graphForRuntime(const core::Model& model, const ConstantEvaluator& evaluate)
{
    if (model.kind != core::ModelKind::LayersModel)
        return graphForRuntime(model);
    // The lowering as the Keras -> graph-model route does it (batch norms as FusedBatchNormV3, which
    // the passes fold into the convolutions).
    auto graph = lowerLayersModel(model, LoweringOptions{.referenceNames = true});
    const ConvertOptions options;
    PassContext context;
    context.options = &options;
    context.evaluate = evaluate;
    (void)graphPasses(options).run(graph, context);
    return graph;
}

OptimizedGraph optimizeGraph(const core::Model& model, Format input, const ConvertOptions& options, const ConvertHooks& hooks)
{
    if (model.kind == core::ModelKind::WeightsOnly)
        fail(model.sourcePath, "has weights but no model topology; there is no graph to optimize");
    if (isTfjs(input) && model.kind == core::ModelKind::GraphModel)
        fail(model.sourcePath, "is a TensorFlow.js graph model: the converter optimized it when it was written, and "
                               "its passes run only on TensorFlow and Keras models");
    OptimizedGraph r;
    if (model.kind == core::ModelKind::LayersModel) {
        // As the Keras -> graph-model route lowers it: the passes' names are the reference's.
        r.before = lowerLayersModel(model, LoweringOptions{.referenceNames = true});
    } else {
        checkAcyclic(model);
        r.before = model;
    }
    hooks.cancel.check();
    r.after = r.before;
    r.passes = runGraphPasses(r.after, input, options, hooks);
    return r;
}

PassManager graphPasses(const ConvertOptions& o)
{
    // CONVERTER.md 3.2: Grappler's first round, the converter's own rewrites around its second
    // round (remap, constfold, arithmetic, dependency), then the PReLU and depthwise fusions.
    PassManager passes;
    // Lowering happens while the reference freezes the SavedModel, before any Grappler round;
    // the bodies lose their forwarding Identities first, so the lowered loops do not carry them.
    passes.add(makeSimplifyFunctionBodiesPass());
    passes.add(makeLowerControlFlowPass());
    if (o.stripDebugOps)
        passes.add(makeStripDebugOpsPass());
    for (int round = 0; round < 2; ++round) {
        passes.add(makePruningPass());
        passes.add(makeConstantFoldingPass());
        passes.add(makeArithmeticPass());
        passes.add(makeDependencyPass());
    }
    passes.add(makeFoldBatchNormsPass());
    passes.add(makeNormalizeBiasAddPass());
    passes.add(makeCpuDevicePass());
    passes.add(makeRemapPass());
    passes.add(makeConstantFoldingPass());
    passes.add(makeArithmeticPass());
    passes.add(makeDependencyPass());
    passes.add(makeRemoveUnusedControlFlowInputsPass());
    passes.add(makeFusePreluPass());
    passes.add(makeFuseDepthwiseConv2dPass());
    passes.add(makeFusePreluWithFusedPass());
    return passes;
}

core::WriteReport writeModel(const core::Model& model, const ConvertOptions& o, const ConvertHooks& hooks)
{
    core::WriteOptions w;
    w.shardSize = o.shardSize;
    w.quantization = o.quantization;
    w.cancelled = [cancel = hooks.cancel] { return cancel.cancelled(); };
    if (hooks.progress)
        w.progress = [&](double f) { hooks.progress("writing weights", f); };
    return core::writeTfjsModel(model, o.outputPath, w);
}

ConvertResult convert(const ConvertOptions& o, const ConvertHooks& hooks)
{
    ConvertResult r;
    const Route& route = resolveRoute(o);
    r.inputFormat = route.input;
    r.outputFormat = route.output;

    std::error_code ec;
    // The Keras output is an .h5 file path (CONVERTER.md 1.4 #8: never a folder); the others a folder.
    if (route.output == Format::Keras) {
        if (fs::is_directory(o.outputPath, ec))
            fail(o.outputPath, "output path is a folder; the Keras output is the path of the .h5 file to write");
    } else if (fs::exists(o.outputPath, ec) && !fs::is_directory(o.outputPath, ec)) {
        fail(o.outputPath, "output path exists and is a file, not a folder");
    }

    // import
    if (hooks.progress)
        hooks.progress("reading", 0.0);
    auto t0 = std::chrono::steady_clock::now();
    ImportOptions io;
    io.format = route.input;
    io.savedModelTags = o.savedModelTags;
    io.signatureName = o.signatureName;
    io.outputNodeNames = o.outputNodeNames;
    io.cancel = hooks.cancel;
    io.maxMemoryBytes = o.maxMemoryBytes;
    core::Model model = importModel(o.inputPath, io);
    if (model.kind == core::ModelKind::WeightsOnly) {
        // The reference converter writes a weights-only HDF5 file with a null topology; a bare
        // TF.js weights manifest has nothing a converter could add.
        if (route.input != Format::Keras)
            fail(model.sourcePath, "has weights but no model topology; TensorFlow.js cannot load it as a model");
        r.warnings.push_back(model.sourcePath + ": weights-only HDF5 file (no model_config): model.json gets a null "
                                                "modelTopology, which TensorFlow.js cannot load as a model");
    }
    if (o.splitWeightsByLayer && (route.input == Format::Keras || route.input == Format::KerasSavedModel))
        splitByLayer(model);
    applyMetadata(model, o);
    r.readSeconds = secondsSince(t0);

    // TensorFlow graphs: no cycles outside loops; a model.json TF.js can load needs `versions`
    // (TF.js reads versions.producer), which some frozen GraphDefs lack.
    if (route.graphPasses && model.kind == core::ModelKind::GraphModel && !isTfjs(route.input)) {
        checkAcyclic(model);
        if (model.graph.versions.is_null())
            model.graph.versions = nlohmann::ordered_json::object();
    }

    // lower
    hooks.cancel.check();
    if (route.lowerLayers && model.kind == core::ModelKind::LayersModel)
        model = lowerLayersModel(model, LoweringOptions{.referenceNames = route.output == Format::TfjsGraphModel});

    // passes, between the reference converter's two op checks (CONVERTER.md 3.2 steps 1 and 11)
    if (route.graphPasses) {
        if (model.kind == core::ModelKind::GraphModel) {
            auto before = checkOps(model, o.stripDebugOps);
            if (!before.ok() && route.opCheck && !o.skipOpCheck)
                fail(model.sourcePath, "before optimization: " + describe(before));
            r.opCheckBefore = std::move(before);
        }
        if (hooks.progress)
            hooks.progress("optimizing", 0.0);
        t0 = std::chrono::steady_clock::now();
        r.passes = runGraphPasses(model, route.input, o, hooks);
        r.optimizeSeconds = secondsSince(t0);
    }

    // op check
    if (model.kind == core::ModelKind::GraphModel) {
        auto report = checkOps(model, o.stripDebugOps);
        for (const auto& m : report.malformed)
            r.warnings.push_back(model.sourcePath + ": " + m);
        if (!report.ok()) {
            if (route.opCheck && !o.skipOpCheck)
                fail(model.sourcePath, describe(report));
            r.warnings.push_back(model.sourcePath + ": " + describe(report)
                + (route.opCheck ? " (--skip_op_check given)" : " (the output is written as it is)"));
        }
        r.opCheck = std::move(report);
    }

    // write
    hooks.cancel.check();
    t0 = std::chrono::steady_clock::now();
    if (route.output == Format::Keras) {
        KerasH5ExportOptions ko;
        ko.maxMemoryBytes = o.maxMemoryBytes;
        ko.cancel = hooks.cancel;
        if (hooks.progress)
            ko.progress = [&](double f) { hooks.progress("writing weights", f); };
        const auto k = writeKerasH5(model, o.outputPath, ko);
        r.written.modelJson = o.outputPath; // the one file written
        r.written.weightBytes = k.fileBytes;
        if (k.dequantized)
            r.warnings.push_back(o.outputPath + ": " + std::to_string(k.dequantized) + " quantized weights written dequantized, as float32");
    } else {
        r.written = writeModel(model, o, hooks);
    }
    r.writeSeconds = secondsSince(t0);
    if (hooks.progress)
        hooks.progress("done", 1.0);
    return r;
}

} // namespace studio::conv
