// Functions every template can call: range, dict, namespace, raise_exception, strftime_now.
#pragma once

#include "text/jinja/interpreter.h"

namespace chunkwise::text::jinja {

void install_globals(Frame& globals);

}  // namespace chunkwise::text::jinja
