// Jinja filters (`value | name(args)`), with Python Jinja semantics and transformers' tojson.
#pragma once

#include <string>

#include "text/jinja/call_args.h"
#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

class Interpreter;

// Throws chunkwise::Error (invalid_input) for an unknown filter or bad arguments.
Value apply_filter(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args);

}  // namespace chunkwise::text::jinja
