// The conversion pipeline: import -> lower (layers -> ops, where the route needs it) -> graph
// passes -> op check -> write, each stage chosen by the route table (converter/formats.h).
#pragma once

#include "converter/formats.h"
#include "converter/op_check.h"
#include "converter/options.h"
#include "converter/passes/pass_manager.h"
#include "core/error.h"
#include "core/tfjs/artifacts.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace studio::conv {

struct ConvertResult {
    Format inputFormat = Format::TfjsLayersModel;
    Format outputFormat = Format::TfjsLayersModel;
    std::vector<PassReport> passes;      // in the order they ran
    std::optional<OpCheckReport> opCheckBefore; // graph-model routes: the check before the passes
    std::optional<OpCheckReport> opCheck; // when the route ran it (after the passes)
    core::WriteReport written;
    double readSeconds = 0;
    double optimizeSeconds = 0;
    double writeSeconds = 0;
    std::vector<std::string> warnings;
};

struct ConvertHooks {
    std::function<void(const std::string&, double)> progress; // stage, 0..1
    CancelToken cancel; // cancelling makes convert() throw studio::Cancelled and leave nothing behind
    // Computes constant subgraphs for constant folding; the converter has no kernels of its own.
    // Callers pass rt::referenceConstantEvaluator() (runtime/constant_eval.h); empty: nothing is
    // folded and the constfold reports say so.
    ConstantEvaluator evaluate;
};

// The route for the options' input and output formats (detecting the input and inferring the
// output as the reference converter does). Throws studio::Error with the reference's wording.
const Route& resolveRoute(const ConvertOptions& options);

// Runs a whole conversion. Throws studio::Error or studio::Cancelled; either way no output is
// left behind and an existing output folder is untouched.
ConvertResult convert(const ConvertOptions& options, const ConvertHooks& hooks = {});

// Writes an already loaded model with the options' quantization and sharding.
core::WriteReport writeModel(const core::Model& model, const ConvertOptions& options, const ConvertHooks& hooks = {});

// What executors run: a graph model as it is, a layers model lowered to ops. Throws studio::Error
// naming the layer it cannot lower.
core::Model graphForRuntime(const core::Model& model);
// The same, optimized for execution: a layers model's lowered ops go through the graph passes
// (batch norms folded, bias and activations fused into _FusedConv2D / _FusedMatMul /
// FusedDepthwiseConv2dNative, constants folded with `evaluate`), as a Keras model converted to a
// graph model would. A graph model is returned as it is (the converter optimized it already).
core::Model graphForRuntime(const core::Model& model, const ConstantEvaluator& evaluate);

// What the graph passes of a conversion to a graph model make of a model, before the op check
// and the writer: the studio's original-vs-optimized view. `before` is the graph the passes
// start from (a layers model lowered as the Keras -> graph-model route lowers it), `after` what
// they leave, `passes` each pass's report. Throws studio::Error for a model without a graph or a
// TF.js graph model (the converter runs no passes on those), studio::Cancelled when cancelled.
struct OptimizedGraph {
    core::Model before;
    core::Model after;
    std::vector<PassReport> passes;
};
OptimizedGraph optimizeGraph(const core::Model& model, Format input, const ConvertOptions& options,
    const ConvertHooks& hooks = {});

// The graph passes a route runs, in their fixed order.
PassManager graphPasses(const ConvertOptions& options);

} // namespace studio::conv
