// Layering probe: above runtime/, concrete backends are private. Must NOT compile.
#include "runtime/reference/reference_executor.h"
