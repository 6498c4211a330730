// The reference converter's graph optimization passes for graph models (CONVERTER.md §3.2-3.5),
// one file each. Grappler's passes are reimplemented for the effects that reach TF.js graphs;
// the converter's own rewrites follow its exact patterns.
#pragma once

#include "converter/passes/pass_manager.h"

#include <memory>

namespace studio::conv {

// Grappler ModelPruner: keeps what the outputs (and the signature's input placeholders) need,
// and bypasses forwarding nodes (Identity, StopGradient, Snapshot, ...) that are not fetched.
std::unique_ptr<Pass> makePruningPass();
// Grappler constant folding: nodes whose inputs are all constants become Consts named like the
// node (evaluated by PassContext::evaluate); static Shape / Size / Rank become Consts.
std::unique_ptr<Pass> makeConstantFoldingPass();
// Grappler arithmetic simplifications that change TF.js graphs (see arithmetic.cpp for the list).
std::unique_ptr<Pass> makeArithmeticPass();
// Grappler dependency optimizer: forwarding Identity / NoOp removal, redundant control edges.
std::unique_ptr<Pass> makeDependencyPass();
// The converter's fold_batch_norms (§3.3.1).
std::unique_ptr<Pass> makeFoldBatchNormsPass();
// The converter's normalize_bias_add (§3.3.2).
std::unique_ptr<Pass> makeNormalizeBiasAddPass();
// Every Conv2D and MatMul on /device:CPU:0, where Grappler's remapper fuses them (§3.2 step 5).
std::unique_ptr<Pass> makeCpuDevicePass();
// Grappler remapper: _FusedConv2D / _FusedMatMul in the forms TF.js runs (§3.5).
std::unique_ptr<Pass> makeRemapPass();
// Removes Placeholders named unused_control_flow_input* (§3.2 step 7).
std::unique_ptr<Pass> makeRemoveUnusedControlFlowInputsPass();
// The converter's fuse_ops_for_prelu (§3.3.3).
std::unique_ptr<Pass> makeFusePreluPass();
// The converter's fuse_depthwise_conv2d (§3.3.4).
std::unique_ptr<Pass> makeFuseDepthwiseConv2dPass();
// The converter's fuse_prelu_with_fused_conv2d_or_matmul (§3.3.5).
std::unique_ptr<Pass> makeFusePreluWithFusedPass();
// Control-flow lowering while freezing (§3.1 step 4): While / StatelessWhile become TF1 loop
// frames with their cond and body inlined, unless --control_flow_v2; SavedModel routes only.
std::unique_ptr<Pass> makeLowerControlFlowPass();
// Grappler on the function library: forwarding Identity nodes leave the bodies that stay.
std::unique_ptr<Pass> makeSimplifyFunctionBodiesPass();

} // namespace studio::conv
