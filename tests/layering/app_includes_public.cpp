// Layering probe, the control: public headers of linked targets compile, so a failure of the
// other probes means the include roots work, not that probes cannot build at all.
#include "converter/convert.h"
#include "core/ir/model.h"
#include "runtime/backend.h"
#include "runtime/benchmark.h"

int studioLayeringProbe() { return static_cast<int>(studio::rt::BackendRegistry::instance().list().size()); }
