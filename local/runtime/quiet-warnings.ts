// Imported first by the local entry points: hides the AWS SDK's notice that future SDK releases
// will need Node 22 (this project pins Node 20; the notice repeats in every process and buries the
// factory's own output). Every other process warning is still printed.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (`${warning.name} ${warning.message}`.includes("NodeVersionSupportWarning")) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});
