// The executor interface: prepare a graph model once, then run it on named inputs.
#pragma once

#include "core/ir/model.h"
#include "runtime/tensor.h"

#include <map>
#include <string>
#include <vector>

namespace studio::rt {

class Executor {
public:
    virtual ~Executor() = default;
    virtual std::string name() const = 0;
    // Decodes weights and plans the execution order. Throws studio::Error naming the node.
    virtual void load(const core::Model& model) = 0;
    // Inputs by placeholder name ("input" or "input:0"); outputs in the model's output order.
    virtual std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs) = 0;
};

} // namespace studio::rt
