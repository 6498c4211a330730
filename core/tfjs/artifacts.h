// TF.js artifacts: model.json + weight shards, read into core::Model and written back exactly as
// tensorflowjs_converter writes them. One include for the reader, the plan and the writers.
#pragma once

#include "core/tfjs/artifact_writer.h"
#include "core/tfjs/model_json_reader.h"
#include "core/tfjs/model_json_writer.h"
#include "core/tfjs/weight_plan.h"
