// Libraries the packs do not describe: a diagnostic for each one the
// program imports, so that what the graph lacks is said, not silent.

package staticgraph

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/tracegraph/tracegraph/topology"
)

// unsupportedLibs are messaging and routing libraries no built-in pack
// describes, by module path, with what their flows are. A routes library
// is never configured for another's sake (see unsupportedDiags).
var unsupportedLibs = []struct {
	path, what string
	routes     bool
}{
	{"github.com/streadway/amqp", "RabbitMQ messages", false},
	{"github.com/rabbitmq/amqp091-go", "RabbitMQ messages", false},
	{"github.com/confluentinc/confluent-kafka-go", "Kafka messages", false},
	{"github.com/eclipse/paho.mqtt.golang", "MQTT messages", false},
	{"github.com/nsqio/go-nsq", "NSQ messages", false},
	{"github.com/apache/pulsar-client-go", "Pulsar messages", false},
	{"cloud.google.com/go/pubsub", "Google Cloud Pub/Sub messages", false},
	{"github.com/aws/aws-sdk-go-v2/service/sqs", "SQS messages", false},
	{"github.com/aws/aws-sdk-go-v2/service/sns", "SNS messages", false},
	{"github.com/labstack/echo", "HTTP routes", true},
	{"github.com/gin-gonic/gin", "HTTP routes", true},
	{"github.com/gofiber/fiber", "HTTP routes", true},
}

// unsupportedDiags returns one diagnostic per library of unsupportedLibs
// that pkgs import directly, at the first importing package by path,
// unless a recognizer (rulePkgs) covers a package of that library.
func unsupportedDiags(pkgs []*packages.Package, rulePkgs map[string]bool) []topology.Diagnostic {
	var out []topology.Diagnostic
	for _, lib := range unsupportedLibs {
		if coveredBy(rulePkgs, lib.path) {
			continue
		}
		var importers []string
		for _, p := range pkgs {
			imports, viaPack := false, false
			for imp := range p.Imports {
				imports = imports || within(imp, lib.path)
				viaPack = viaPack || rulePkgs[imp]
			}
			// A package that also imports a library a pack describes
			// configures its adapter (a Watermill SQS publisher and the
			// AWS SDK's options), its messages counted there. Routes
			// are never another library's.
			if imports && (lib.routes || !viaPack) {
				importers = append(importers, p.PkgPath)
			}
		}
		if len(importers) == 0 {
			continue
		}
		slices.Sort(importers)
		out = append(out, topology.Diagnostic{Package: importers[0], Message: fmt.Sprintf(
			"%d package(s) import %s, whose %s no recognizer describes: they are not in the graph (a recognizers: entry in tracegraph.yaml teaches it, docs/recognizers.md)",
			len(importers), lib.path, lib.what)})
	}
	return out
}

// coveredBy reports whether a recognizer covers a package of module mod.
func coveredBy(rulePkgs map[string]bool, mod string) bool {
	for p := range rulePkgs {
		if within(p, mod) {
			return true
		}
	}
	return false
}

// within reports whether import path p is module path mod or below it.
func within(p, mod string) bool { return p == mod || strings.HasPrefix(p, mod+"/") }
