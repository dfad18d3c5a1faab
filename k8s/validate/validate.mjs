// Validates every object of rendered manifests (multi-document YAML files given as arguments)
// against the Kubernetes OpenAPI schemas shipped in kubernetes-models, offline. Prints one line
// per object and exits 1 if any object is invalid or of a kind it has no schema for.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let failures = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = document.toJS();
    if (object === null) continue;
    const name = `${file}: ${object.kind}/${object.metadata?.name}`;
    if (object.kind === "Secret" && object.data) {
      // kustomize folds long base64 values over lines; the API server's base64 decoder skips
      // line breaks, the schema's "byte" format does not.
      for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\s+/g, "");
    }
    const module = `kubernetes-models/${object.apiVersion}/${object.kind}`;
    let Model;
    try {
      Model = (await import(module))[object.kind];
    } catch {
      console.log(`invalid ${name}: no schema for ${object.apiVersion} ${object.kind}`);
      failures++;
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`ok ${name}`);
    } catch (error) {
      console.log(`invalid ${name}: ${error.message.replaceAll("\n", " ")}`);
      failures++;
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
