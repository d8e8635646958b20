// Python methods called on values from templates: str.strip/split/startswith..., dict.items/get...,
// list.append...
#pragma once

#include <optional>
#include <string>

#include "text/jinja/call_args.h"
#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

class Interpreter;

// Calls `object.name(args)`; nullopt when `object` has no method called `name`.
std::optional<Value> call_method(Interpreter& interp, const Value& object, const std::string& name,
                                 CallArgs& args);

}  // namespace chunkwise::text::jinja
