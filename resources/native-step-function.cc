/**
 * GAN Studio's addition to tfjs-node's binding (compiled into tfjs_binding.node by `gan-studio native install`):
 * builds one TensorFlow function from the ops a recorded step issued (engine/runtime/stepCompiler.ts records them)
 * and adds it to tfjs-node's own eager context, so that `executeOp(name, [], inputs, n)` runs the whole step as one
 * op: TensorFlow's function runtime optimises it (Grappler, oneDNN's rewrites) and, when asked, XLA compiles it.
 *
 *   addStepFunction(name, { inputs: [[dtype, shape]...], consts: [[shape, Int32Array]...],
 *                           ops: [[opType, attrs, Int32Array refs, numOutputs]...], outputs: Int32Array, xla })
 *   removeStepFunction(name)
 *
 * A ref is a triplet (kind, a, b): kind 0 = input a, 1 = int32 constant a, 2 = output b of op a. Attributes have
 * the shape executeOp takes ({ name, type, value }). Outputs are pairs (op, output index).
 */
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tensorflow/c/c_api.h"
#include "tensorflow/c/eager/c_api.h"
#include "tfjs_backend.h"

namespace tfnodejs {

namespace {

struct GraphDeleter {
  void operator()(TF_Graph *g) const { TF_DeleteGraph(g); }
};
struct StatusDeleter {
  void operator()(TF_Status *s) const { TF_DeleteStatus(s); }
};
struct BufferDeleter {
  void operator()(TF_Buffer *b) const { TF_DeleteBuffer(b); }
};

/** Reads what a call passed; every failure leaves a message in `error` (the addon is built without exceptions). */
struct Reader {
  napi_env env;
  std::string error;

  bool ok(napi_status s, const char *what) {
    if (s == napi_ok) return true;
    if (error.empty()) error = std::string("cannot read ") + what;
    return false;
  }
  bool Get(napi_value obj, const char *key, napi_value *out) { return ok(napi_get_named_property(env, obj, key, out), key); }
  bool At(napi_value arr, uint32_t i, napi_value *out) { return ok(napi_get_element(env, arr, i, out), "an array element"); }
  bool Length(napi_value arr, uint32_t *n) { return ok(napi_get_array_length(env, arr, n), "an array's length"); }
  bool Int(napi_value v, int64_t *out) { return ok(napi_get_value_int64(env, v, out), "an integer"); }
  bool Double(napi_value v, double *out) { return ok(napi_get_value_double(env, v, out), "a number"); }
  bool Bool(napi_value v, bool *out) { return ok(napi_get_value_bool(env, v, out), "a boolean"); }
  bool String(napi_value v, std::string *out) {
    size_t n = 0;
    if (!ok(napi_get_value_string_utf8(env, v, nullptr, 0, &n), "a string")) return false;
    out->resize(n);
    return ok(napi_get_value_string_utf8(env, v, &(*out)[0], n + 1, &n), "a string");
  }
  bool IsArray(napi_value v) {
    bool is = false;
    napi_is_array(env, v, &is);
    return is;
  }
  bool Ints(napi_value arr, std::vector<int64_t> *out) {
    uint32_t n;
    if (!Length(arr, &n)) return false;
    out->resize(n);
    for (uint32_t i = 0; i < n; i++) {
      napi_value e;
      if (!At(arr, i, &e) || !Int(e, &(*out)[i])) return false;
    }
    return true;
  }
  /** An Int32Array's elements. */
  bool Int32s(napi_value typed, const int32_t **data, size_t *length) {
    napi_typedarray_type type;
    void *raw;
    if (!ok(napi_get_typedarray_info(env, typed, &type, length, &raw, nullptr, nullptr), "an Int32Array")) return false;
    if (type != napi_int32_array) {
      error = "expected an Int32Array";
      return false;
    }
    *data = static_cast<const int32_t *>(raw);
    return true;
  }
};

/** The input arguments of an op's definition: which take a list (and the attribute that holds its length). */
struct InputArg {
  std::string number_attr;
  std::string type_list_attr;
  bool list() const { return !number_attr.empty() || !type_list_attr.empty(); }
};

/** Reads a protobuf varint; false at the end of the buffer. */
bool Varint(const uint8_t *&p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    uint8_t b = *p++;
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

/** Calls `field(number, bytes, length)` for each length-delimited field of a message; skips the others. */
template <typename F>
bool EachField(const uint8_t *p, const uint8_t *end, F field) {
  while (p < end) {
    uint64_t key, len;
    if (!Varint(p, end, &key)) return false;
    switch (key & 7) {
      case 0:
        if (!Varint(p, end, &len)) return false;
        break;
      case 1: p += 8; break;
      case 5: p += 4; break;
      case 2:
        if (!Varint(p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
        field(static_cast<int>(key >> 3), p, static_cast<size_t>(len));
        p += len;
        break;
      default: return false;
    }
  }
  return p == end;
}

/** OpDef.input_arg (field 2): ArgDef.number_attr (5) and ArgDef.type_list_attr (6) of each. */
bool InputArgs(TF_Graph *graph, const std::string &op_type, std::vector<InputArg> *args, std::string *error) {
  std::unique_ptr<TF_Status, StatusDeleter> status(TF_NewStatus());
  std::unique_ptr<TF_Buffer, BufferDeleter> def(TF_NewBuffer());
  TF_GraphGetOpDef(graph, op_type.c_str(), def.get(), status.get());
  if (TF_GetCode(status.get()) != TF_OK) {
    *error = TF_Message(status.get());
    return false;
  }
  const uint8_t *p = static_cast<const uint8_t *>(def->data);
  bool parsed = EachField(p, p + def->length, [&](int number, const uint8_t *bytes, size_t len) {
    if (number != 2) return;
    InputArg arg;
    EachField(bytes, bytes + len, [&](int n, const uint8_t *b, size_t l) {
      if (n == 5) arg.number_attr.assign(reinterpret_cast<const char *>(b), l);
      if (n == 6) arg.type_list_attr.assign(reinterpret_cast<const char *>(b), l);
    });
    args->push_back(arg);
  });
  if (!parsed) *error = "cannot read the definition of " + op_type;
  return parsed;
}

/** Sets one attribute in the form executeOp takes it. */
bool SetAttr(Reader &r, TF_OperationDescription *desc, napi_value attr, std::vector<std::pair<std::string, int64_t>> *ints) {
  napi_value name_v, type_v, value;
  std::string name;
  int64_t type;
  if (!r.Get(attr, "name", &name_v) || !r.String(name_v, &name) || !r.Get(attr, "type", &type_v) || !r.Int(type_v, &type) ||
      !r.Get(attr, "value", &value))
    return false;
  const char *n = name.c_str();
  switch (static_cast<TF_AttrType>(type)) {
    case TF_ATTR_STRING: {
      std::string s;
      if (!r.String(value, &s)) return false;
      TF_SetAttrString(desc, n, s.data(), s.size());
      return true;
    }
    case TF_ATTR_INT: {
      if (r.IsArray(value)) {
        std::vector<int64_t> v;
        if (!r.Ints(value, &v)) return false;
        TF_SetAttrIntList(desc, n, v.data(), static_cast<int>(v.size()));
      } else {
        int64_t v;
        if (!r.Int(value, &v)) return false;
        TF_SetAttrInt(desc, n, v);
        ints->emplace_back(name, v);
      }
      return true;
    }
    case TF_ATTR_FLOAT: {
      if (r.IsArray(value)) {
        uint32_t len;
        if (!r.Length(value, &len)) return false;
        std::vector<float> v(len);
        for (uint32_t i = 0; i < len; i++) {
          napi_value e;
          double d;
          if (!r.At(value, i, &e) || !r.Double(e, &d)) return false;
          v[i] = static_cast<float>(d);
        }
        TF_SetAttrFloatList(desc, n, v.data(), static_cast<int>(len));
      } else {
        double d;
        if (!r.Double(value, &d)) return false;
        TF_SetAttrFloat(desc, n, static_cast<float>(d));
      }
      return true;
    }
    case TF_ATTR_BOOL: {
      if (r.IsArray(value)) {
        uint32_t len;
        if (!r.Length(value, &len)) return false;
        std::vector<unsigned char> v(len);
        for (uint32_t i = 0; i < len; i++) {
          napi_value e;
          bool b;
          if (!r.At(value, i, &e) || !r.Bool(e, &b)) return false;
          v[i] = b ? 1 : 0;
        }
        TF_SetAttrBoolList(desc, n, v.data(), static_cast<int>(len));
      } else {
        bool b;
        if (!r.Bool(value, &b)) return false;
        TF_SetAttrBool(desc, n, b ? 1 : 0);
      }
      return true;
    }
    case TF_ATTR_TYPE: {
      int64_t t;
      if (!r.Int(value, &t)) return false;
      TF_SetAttrType(desc, n, static_cast<TF_DataType>(t));
      return true;
    }
    case TF_ATTR_SHAPE: {
      std::vector<int64_t> dims;
      if (!r.Ints(value, &dims)) return false;
      TF_SetAttrShape(desc, n, dims.data(), static_cast<int>(dims.size()));
      return true;
    }
    default:
      r.error = "attribute " + name + " has a type the recorder does not know (" + std::to_string(type) + ")";
      return false;
  }
}

bool TfOk(TF_Status *status, std::string *error, const std::string &where) {
  if (TF_GetCode(status) == TF_OK) return true;
  *error = where + ": " + TF_Message(status);
  return false;
}

/** Builds the graph and the function; on failure returns null with the reason in `error`. */
TF_Function *BuildFunction(Reader &r, const std::string &fn_name, napi_value spec) {
  std::unique_ptr<TF_Graph, GraphDeleter> graph(TF_NewGraph());
  std::unique_ptr<TF_Status, StatusDeleter> status(TF_NewStatus());
  napi_value inputs_v, consts_v, ops_v, outputs_v;
  if (!r.Get(spec, "inputs", &inputs_v) || !r.Get(spec, "consts", &consts_v) || !r.Get(spec, "ops", &ops_v) ||
      !r.Get(spec, "outputs", &outputs_v))
    return nullptr;

  // Inputs: one placeholder each, with its dtype and shape (Grappler's shape inference starts from them).
  uint32_t n_inputs;
  if (!r.Length(inputs_v, &n_inputs)) return nullptr;
  std::vector<TF_Output> inputs(n_inputs);
  for (uint32_t i = 0; i < n_inputs; i++) {
    napi_value entry, dtype_v, shape_v;
    int64_t dtype;
    std::vector<int64_t> shape;
    if (!r.At(inputs_v, i, &entry) || !r.At(entry, 0, &dtype_v) || !r.Int(dtype_v, &dtype) || !r.At(entry, 1, &shape_v) ||
        !r.Ints(shape_v, &shape))
      return nullptr;
    std::string name = "in" + std::to_string(i);
    TF_OperationDescription *desc = TF_NewOperation(graph.get(), "Placeholder", name.c_str());
    TF_SetAttrType(desc, "dtype", static_cast<TF_DataType>(dtype));
    TF_SetAttrShape(desc, "shape", shape.data(), static_cast<int>(shape.size()));
    TF_Operation *op = TF_FinishOperation(desc, status.get());
    if (!TfOk(status.get(), &r.error, "input " + std::to_string(i))) return nullptr;
    inputs[i] = {op, 0};
  }

  // Constants: the small int32 tensors (shapes, axes, permutations) whose values the recording keyed on.
  uint32_t n_consts;
  if (!r.Length(consts_v, &n_consts)) return nullptr;
  std::vector<TF_Output> consts(n_consts);
  for (uint32_t i = 0; i < n_consts; i++) {
    napi_value entry, shape_v, data_v;
    std::vector<int64_t> shape;
    const int32_t *data;
    size_t length;
    if (!r.At(consts_v, i, &entry) || !r.At(entry, 0, &shape_v) || !r.Ints(shape_v, &shape) || !r.At(entry, 1, &data_v) ||
        !r.Int32s(data_v, &data, &length))
      return nullptr;
    TF_Tensor *value = TF_AllocateTensor(TF_INT32, shape.data(), static_cast<int>(shape.size()), length * sizeof(int32_t));
    std::memcpy(TF_TensorData(value), data, length * sizeof(int32_t));
    std::string name = "const" + std::to_string(i);
    TF_OperationDescription *desc = TF_NewOperation(graph.get(), "Const", name.c_str());
    TF_SetAttrType(desc, "dtype", TF_INT32);
    TF_SetAttrTensor(desc, "value", value, status.get());
    TF_DeleteTensor(value);
    if (!TfOk(status.get(), &r.error, "constant " + std::to_string(i))) return nullptr;
    TF_Operation *op = TF_FinishOperation(desc, status.get());
    if (!TfOk(status.get(), &r.error, "constant " + std::to_string(i))) return nullptr;
    consts[i] = {op, 0};
  }

  // The recorded ops, in the order they ran.
  uint32_t n_ops;
  if (!r.Length(ops_v, &n_ops)) return nullptr;
  std::vector<TF_Operation *> ops(n_ops);
  for (uint32_t i = 0; i < n_ops; i++) {
    napi_value entry, type_v, attrs_v, refs_v;
    std::string type;
    const int32_t *refs;
    size_t n_refs;
    if (!r.At(ops_v, i, &entry) || !r.At(entry, 0, &type_v) || !r.String(type_v, &type) || !r.At(entry, 1, &attrs_v) ||
        !r.At(entry, 2, &refs_v) || !r.Int32s(refs_v, &refs, &n_refs))
      return nullptr;
    const std::string where = "op " + std::to_string(i) + " (" + type + ")";
    std::vector<TF_Output> flat;
    for (size_t k = 0; k + 2 < n_refs; k += 3) {
      int32_t kind = refs[k], a = refs[k + 1], b = refs[k + 2];
      if (kind == 0 && a >= 0 && static_cast<uint32_t>(a) < n_inputs) flat.push_back(inputs[a]);
      else if (kind == 1 && a >= 0 && static_cast<uint32_t>(a) < n_consts) flat.push_back(consts[a]);
      else if (kind == 2 && a >= 0 && static_cast<uint32_t>(a) < i) flat.push_back({ops[a], b});
      else {
        r.error = where + ": an input refers to nothing recorded before it";
        return nullptr;
      }
    }
    std::string name = "op" + std::to_string(i);
    TF_OperationDescription *desc = TF_NewOperation(graph.get(), type.c_str(), name.c_str());
    uint32_t n_attrs;
    if (!r.Length(attrs_v, &n_attrs)) return nullptr;
    std::vector<std::pair<std::string, int64_t>> ints;
    for (uint32_t k = 0; k < n_attrs; k++) {
      napi_value attr;
      if (!r.At(attrs_v, k, &attr) || !SetAttr(r, desc, attr, &ints)) {
        r.error = where + ": " + r.error;
        return nullptr;
      }
    }
    // Eager ops take their inputs flat; a graph op takes a list argument as one list (ConcatV2's values, AddN's).
    std::vector<InputArg> args;
    if (!InputArgs(graph.get(), type, &args, &r.error)) return nullptr;
    size_t singles = 0, lists = 0;
    for (const InputArg &a : args) (a.list() ? lists : singles) += 1;
    if (flat.size() < singles) {
      r.error = where + ": " + std::to_string(flat.size()) + " inputs, its definition takes " + std::to_string(singles);
      return nullptr;
    }
    size_t next = 0;
    for (const InputArg &a : args) {
      size_t take = 1;
      if (a.list()) {
        take = flat.size() - singles;  // one list argument: it holds what the single ones leave
        if (lists > 1) {
          bool found = false;
          for (const auto &kv : ints)
            if (kv.first == a.number_attr) take = static_cast<size_t>(kv.second), found = true;
          if (!found) {
            r.error = where + ": cannot tell the length of its list argument";
            return nullptr;
          }
        }
        if (next + take > flat.size()) break;
        TF_AddInputList(desc, flat.data() + next, static_cast<int>(take));
      } else {
        if (next >= flat.size()) break;
        TF_AddInput(desc, flat[next]);
      }
      next += take;
    }
    if (next != flat.size()) {
      r.error = where + ": " + std::to_string(flat.size()) + " inputs do not fit its definition";
      return nullptr;
    }
    ops[i] = TF_FinishOperation(desc, status.get());
    if (!TfOk(status.get(), &r.error, where)) return nullptr;
  }

  const int32_t *out_refs;
  size_t n_out_refs;
  if (!r.Int32s(outputs_v, &out_refs, &n_out_refs)) return nullptr;
  std::vector<TF_Output> outputs;
  for (size_t k = 0; k + 1 < n_out_refs; k += 2) {
    if (out_refs[k] < 0 || static_cast<uint32_t>(out_refs[k]) >= n_ops) {
      r.error = "an output refers to no recorded op";
      return nullptr;
    }
    outputs.push_back({ops[out_refs[k]], out_refs[k + 1]});
  }

  TF_Function *fn = TF_GraphToFunction(graph.get(), fn_name.c_str(), 0, -1, nullptr, static_cast<int>(inputs.size()),
                                       inputs.data(), static_cast<int>(outputs.size()), outputs.data(), nullptr, nullptr,
                                       "a recorded GAN Studio step", status.get());
  if (!TfOk(status.get(), &r.error, "making the function")) return nullptr;

  napi_value xla_v;
  bool xla = false;
  if (r.Get(spec, "xla", &xla_v)) r.Bool(xla_v, &xla);
  r.error.clear();
  if (xla) {
    const unsigned char must_compile[] = {0x28, 0x01};  // AttrValue { b: true }
    TF_FunctionSetAttrValueProto(fn, "_XlaMustCompile", must_compile, sizeof must_compile, status.get());
    if (!TfOk(status.get(), &r.error, "asking XLA to compile it")) {
      TF_DeleteFunction(fn);
      return nullptr;
    }
  }
  return fn;
}

TFJSBackend *Backend(napi_env env) {
  TFJSBackend *backend = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void **>(&backend));
  return backend;
}

napi_value AddStepFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  Reader r{env, {}};
  std::string name;
  TFJSBackend *backend = Backend(env);
  if (argc < 2 || !r.String(args[0], &name) || !backend) {
    napi_throw_error(env, nullptr, "addStepFunction(name, spec)");
    return nullptr;
  }
  TF_Function *fn = BuildFunction(r, name, args[1]);
  if (!fn) {
    napi_throw_error(env, nullptr, r.error.c_str());
    return nullptr;
  }
  std::unique_ptr<TF_Status, StatusDeleter> status(TF_NewStatus());
  TFE_ContextAddFunction(backend->gan_studio_context(), fn, status.get());
  TF_DeleteFunction(fn);
  if (!TfOk(status.get(), &r.error, "adding it to the eager context")) {
    napi_throw_error(env, nullptr, r.error.c_str());
    return nullptr;
  }
  return nullptr;
}

napi_value RemoveStepFunction(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  Reader r{env, {}};
  std::string name;
  TFJSBackend *backend = Backend(env);
  if (argc < 1 || !r.String(arg, &name) || !backend) return nullptr;
  std::unique_ptr<TF_Status, StatusDeleter> status(TF_NewStatus());
  TFE_ContextRemoveFunction(backend->gan_studio_context(), name.c_str(), status.get());
  return nullptr;
}

}  // namespace

void RegisterGanStudioFunctions(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"addStepFunction", nullptr, AddStepFunction, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"removeStepFunction", nullptr, RemoveStepFunction, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 2, props);
}

}  // namespace tfnodejs
