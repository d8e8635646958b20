// Jinja tests (`value is name(args)`): defined, none, string, mapping, divisibleby, in, eq...
#pragma once

#include <string>

#include "text/jinja/call_args.h"
#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

class Interpreter;

// Throws chunkwise::Error (invalid_input) for an unknown test or bad arguments.
bool apply_test(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args);

}  // namespace chunkwise::text::jinja
