// norms.cpp — weight norms over training (see norms.h).
#include "grok/probe/norms.h"

namespace grok {

NormsResult analyse_norms(const RunMetrics& m) {
  return {m.steps, m.total_norm(), m.total_sq_norm, m.dist_from_init, m.param_sq_norm};
}

CurveTable norms_table(const NormsResult& r) {
  CurveTable t;
  t.group = "norms";
  t.steps = r.steps;
  t.attrs["source"] = "the run's /metrics, logged by grok-train at every evaluated step";
  t.add("total_norm", column(r.total_norm), "||theta||: square root of the summed squared Frobenius norms");
  t.add("total_sq_norm", column(r.total_sq_norm), "sum over tensors of the squared Frobenius norm");
  t.add("dist_from_init", column(r.dist_from_init), "||theta - theta_0||");
  for (const NamedTensor& n : r.per_tensor_sq_norm)
    t.add("sq_norm/" + n.name, n.value, "squared Frobenius norm of " + n.name);
  return t;
}

}  // namespace grok
