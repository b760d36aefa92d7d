// The command line shared by the *-scenarios.mjs scripts: `node <script> <scenario> '<json args>'`.
// The scenario's result is printed as one JSON line (exit 0); a failed expectation or error exits 1
// with the stack on stderr; an unknown scenario exits 2.

const [scenario, rawArgs] = process.argv.slice(2)

/** The JSON arguments given on the command line. */
export const args = JSON.parse(rawArgs ?? '{}')

/** Runs the scenario named on the command line from `scenarios` and exits. */
export const runScenario = (scenarios) => {
  const run = scenarios[scenario]
  if (!run) {
    console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(', ')}`)
    process.exit(2)
  }
  run(args).then((result) => {
    process.stdout.write(JSON.stringify(result) + '\n')
    process.exit(0)
  }, (error) => {
    console.error(error?.stack ?? String(error))
    process.exit(1)
  })
}
