// Libraries the packs do not describe: a diagnostic for each one the
// program imports, so that what the graph lacks is said, not silent.

package staticgraph

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/tracegraph/tracegraph/topology"
)

// unsupportedLibs are messaging and routing libraries no built-in pack
// describes, by module path, with what their flows are.
var unsupportedLibs = []struct{ path, what string }{
	{"github.com/streadway/amqp", "RabbitMQ messages"},
	{"github.com/rabbitmq/amqp091-go", "RabbitMQ messages"},
	{"github.com/confluentinc/confluent-kafka-go", "Kafka messages"},
	{"github.com/eclipse/paho.mqtt.golang", "MQTT messages"},
	{"github.com/nsqio/go-nsq", "NSQ messages"},
	{"github.com/apache/pulsar-client-go", "Pulsar messages"},
	{"cloud.google.com/go/pubsub", "Google Cloud Pub/Sub messages"},
	{"github.com/aws/aws-sdk-go-v2/service/sqs", "SQS messages"},
	{"github.com/aws/aws-sdk-go-v2/service/sns", "SNS messages"},
	{"github.com/labstack/echo", "HTTP routes"},
	{"github.com/gin-gonic/gin", "HTTP routes"},
	{"github.com/gofiber/fiber", "HTTP routes"},
}

// unsupportedDiags returns one diagnostic per library of unsupportedLibs
// that pkgs import directly, at the first importing package by path,
// unless a recognizer (rulePkgs) covers a package of that library.
func unsupportedDiags(pkgs []*packages.Package, rulePkgs map[string]bool) []topology.Diagnostic {
	var out []topology.Diagnostic
	for _, lib := range unsupportedLibs {
		if slices.ContainsFunc(slices.Collect(maps.Keys(rulePkgs)), func(p string) bool { return within(p, lib.path) }) {
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
			if imports && (lib.what == "HTTP routes" || !viaPack) {
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

// within reports whether import path p is module path mod or below it.
func within(p, mod string) bool { return p == mod || strings.HasPrefix(p, mod+"/") }
