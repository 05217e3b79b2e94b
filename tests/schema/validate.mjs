// Offline schema checks for ssmd (test tool; see tests/operator.bats).
//
//   node validate.mjs objects FILE...   Kubernetes objects (JSON List, or
//       YAML documents) against the official OpenAPI schemas
//       (kubernetes-models), plus ssmd's own rules for what the operator
//       renders: restricted pod security, recommended labels, config hash.
//   node validate.mjs crs CRD_DIR FILE...   custom resources against our
//       CRDs' schemas with ajv, unknown fields rejected (the API server
//       would prune them silently).  Exit 1 if any is rejected.
//   node validate.mjs crds FILE...      the CRDs: the API's shape plus a
//       structural-schema lint.
// Prints one line per file or object; exit 0 only if all passed.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as apiext from "kubernetes-models/apiextensions.k8s.io/v1";

const classes = {
  "v1/ConfigMap": core.ConfigMap, "v1/PersistentVolumeClaim": core.PersistentVolumeClaim,
  "v1/Service": core.Service, "v1/ServiceAccount": core.ServiceAccount, "v1/Namespace": core.Namespace,
  "apps/v1/Deployment": apps.Deployment, "batch/v1/Job": batch.Job,
  "rbac.authorization.k8s.io/v1/ClusterRole": rbac.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": rbac.ClusterRoleBinding,
  "apiextensions.k8s.io/v1/CustomResourceDefinition": apiext.CustomResourceDefinition,
};

function load(file) {
  const text = fs.readFileSync(file, "utf8");
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d != null);
  return docs.flatMap((d) => (d.kind === "List" && Array.isArray(d.items) ? d.items : [d]));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUB = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

// ssmd's rules for what the operator renders.
function ssmdRules(o, errs) {
  const m = o.metadata || {};
  if (!DNS_SUB.test(m.name || "") || m.name.length > 253) errs.push(`metadata.name ${m.name}: not DNS-1123`);
  if (m.ownerReferences) errs.push("render output must carry no ownerReferences");
  const l = m.labels || {};
  for (const k of ["name", "instance", "component", "part-of", "managed-by"])
    if (!l[`app.kubernetes.io/${k}`]) errs.push(`label app.kubernetes.io/${k} missing`);
  for (const [k, v] of Object.entries(l)) if (!LABEL_VALUE.test(v) || v.length > 63) errs.push(`label ${k}=${v}: bad value`);
  const tpl = o.kind === "Deployment" ? o.spec.template : o.kind === "Job" ? o.spec.template : null;
  if (!tpl) return;
  if (o.kind === "Deployment") {
    const h = (tpl.metadata.annotations || {})["ssmd.ssmd.io/config-hash"];
    if (!/^[0-9a-f]{64}$/.test(h || "")) errs.push("pod template: config-hash annotation missing");
    for (const [k, v] of Object.entries(o.spec.selector.matchLabels))
      if (tpl.metadata.labels[k] !== v) errs.push(`selector ${k} does not match the pod labels`);
  }
  const ps = tpl.spec, psc = ps.securityContext || {};
  if (psc.runAsNonRoot !== true) errs.push("pod: runAsNonRoot must be true");
  if (psc.runAsUser !== 1000) errs.push("pod: runAsUser must be 1000");
  if ((psc.seccompProfile || {}).type !== "RuntimeDefault") errs.push("pod: seccomp RuntimeDefault");
  const allowed = ["configMap", "downwardAPI", "emptyDir", "projected", "secret", "csi", "persistentVolumeClaim", "ephemeral"];
  const vols = new Set();
  for (const v of ps.volumes || []) {
    vols.add(v.name);
    const t = Object.keys(v).filter((k) => k !== "name");
    if (t.length !== 1 || !allowed.includes(t[0])) errs.push(`volume ${v.name}: type ${t} not allowed`);
    if ((v.configMap || v.secret) && (v.configMap || v.secret).defaultMode === undefined)
      errs.push(`volume ${v.name}: defaultMode not explicit`);
  }
  for (const c of [...(ps.containers || []), ...(ps.initContainers || [])]) {
    const sc = c.securityContext || {};
    if (sc.allowPrivilegeEscalation !== false) errs.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!((sc.capabilities || {}).drop || []).includes("ALL")) errs.push(`${c.name}: must drop ALL`);
    if ((sc.capabilities || {}).add) errs.push(`${c.name}: adds capabilities`);
    if (sc.readOnlyRootFilesystem !== true) errs.push(`${c.name}: readOnlyRootFilesystem must be true`);
    if (sc.privileged) errs.push(`${c.name}: privileged`);
    if (!DNS_LABEL.test(c.name) || c.name.length > 63) errs.push(`${c.name}: bad container name`);
    for (const vm of c.volumeMounts || []) if (!vols.has(vm.name)) errs.push(`${c.name}: mount of unknown volume ${vm.name}`);
    if (!Array.isArray(c.command) || !c.command[0].startsWith("/")) errs.push(`${c.name}: command must be an absolute program`);
    for (const e of c.env || []) if (/KEY|SECRET|TOKEN|PASSWORD/.test(e.name) && e.value !== undefined)
      errs.push(`${c.name}: ${e.name} holds a literal value (secrets come from Secrets)`);
  }
  if (o.kind === "Deployment" && !(ps.containers || []).some((c) => c.name === "healthd"))
    errs.push("no ssmd-healthd sidecar");
}

function objects(files) {
  let bad = 0;
  for (const f of files) {
    for (const o of load(f)) {
      const key = `${o.apiVersion}/${o.kind}`, errs = [];
      const C = classes[key];
      if (!C) errs.push(`no schema for ${key}`);
      else {
        try { new C(o).validate(); } catch (e) { errs.push(e.message); }
      }
      if (process.env.SSMD_RULES !== "0") ssmdRules(o, errs);
      const id = `${f}: ${o.kind}/${(o.metadata || {}).name}`;
      if (errs.length) { bad++; console.log(`FAIL ${id}: ${errs.join("; ")}`); } else console.log(`ok ${id}`);
    }
  }
  return bad;
}

// Unknown fields are errors here: wherever a schema lists properties and
// does not preserve unknown fields, nothing else may appear.
function closed(s) {
  if (s === null || typeof s !== "object") return s;
  if (Array.isArray(s)) return s.map(closed);
  const o = {};
  for (const [k, v] of Object.entries(s)) o[k] = closed(v);
  if (o.properties && !o["x-kubernetes-preserve-unknown-fields"] && o.additionalProperties === undefined)
    o.additionalProperties = false;
  return o;
}

function makeAjv() {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 });
  ajv.addFormat("int64", { type: "number", validate: Number.isInteger });
  ajv.addKeyword({ keyword: "x-kubernetes-int-or-string", errors: false,
    validate: (on, d) => !on || Number.isInteger(d) || typeof d === "string" });
  ajv.addVocabulary(["x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations", "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"]);
  return ajv;
}

function crs(crdDir, files) {
  const ajv = makeAjv(), byKind = {};
  for (const f of fs.readdirSync(crdDir).filter((x) => x.endsWith(".yaml"))) {
    for (const crd of load(path.join(crdDir, f))) {
      const v = crd.spec.versions[0];
      const schema = closed(v.schema.openAPIV3Schema);
      schema.properties.metadata = { type: "object" };
      byKind[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = ajv.compile(schema);
    }
  }
  let bad = 0;
  for (const f of files) {
    for (const o of load(f)) {
      const v = byKind[`${o.apiVersion}/${o.kind}`];
      const id = `${f}: ${o.kind}/${(o.metadata || {}).name}`;
      if (!v) { bad++; console.log(`FAIL ${id}: no CRD for ${o.apiVersion} ${o.kind}`); continue; }
      if (v(o)) console.log(`ok ${id}`);
      else { bad++; console.log(`FAIL ${id}: ${v.errors.map((e) => `${e.instancePath} ${e.message}${e.params && e.params.additionalProperty ? " " + e.params.additionalProperty : ""}`).join("; ")}`); }
    }
  }
  return bad;
}

// Structural schema: every node typed (or int-or-string / preserve-unknown),
// no forbidden keywords, status declares observedGeneration.
function lint(s, p, errs) {
  if (!s || typeof s !== "object") return;
  for (const k of ["$ref", "definitions", "dependencies", "patternProperties", "uniqueItems"])
    if (k in s) errs.push(`${p}: ${k} not allowed`);
  if (s.additionalProperties === false) errs.push(`${p}: additionalProperties false not allowed`);
  if (!s.type && !s["x-kubernetes-int-or-string"] && !s["x-kubernetes-preserve-unknown-fields"]) errs.push(`${p}: no type`);
  for (const [k, v] of Object.entries(s.properties || {})) lint(v, `${p}.${k}`, errs);
  if (s.items) lint(s.items, `${p}[]`, errs);
  if (s.additionalProperties && typeof s.additionalProperties === "object") lint(s.additionalProperties, `${p}{}`, errs);
}

function crds(files) {
  let bad = 0;
  for (const f of files) {
    for (const crd of load(f)) {
      const errs = [];
      try { new apiext.CustomResourceDefinition(crd).validate(); } catch (e) { errs.push(e.message); }
      if (crd.metadata.name !== `${crd.spec.names.plural}.${crd.spec.group}`) errs.push("name is not <plural>.<group>");
      if (crd.spec.scope !== "Namespaced") errs.push("not namespaced");
      if (!(crd.spec.names.categories || []).includes("ssmd")) errs.push("not in category ssmd");
      if (!(crd.spec.names.shortNames || []).length) errs.push("no short name");
      for (const v of crd.spec.versions) {
        if (!v.subresources || !v.subresources.status) errs.push(`${v.name}: no status subresource`);
        const root = v.schema.openAPIV3Schema;
        lint(root, "", errs);
        const st = root.properties.status;
        if (!st || !st.properties.observedGeneration) errs.push("status.observedGeneration not declared");
        if (!st || !st.properties.conditions) errs.push("status.conditions not declared");
      }
      if (errs.length) { bad++; console.log(`FAIL ${f}: ${errs.join("; ")}`); } else console.log(`ok ${f}`);
    }
  }
  return bad;
}

const [mode, ...args] = process.argv.slice(2);
let bad;
if (mode === "objects") bad = objects(args);
else if (mode === "crs") bad = crs(args[0], args.slice(1));
else if (mode === "crds") bad = crds(args);
else { console.error("usage: validate.mjs objects|crs CRD_DIR|crds FILE..."); process.exit(64); }
process.exit(bad ? 1 : 0);
