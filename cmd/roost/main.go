// Command roost runs the Roost device cloud and its tools.
package main

import (
	"os"

	"github.com/roost-iot/roost/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
