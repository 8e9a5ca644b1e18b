// The hosts a deployment gives services: a Compose file names each
// service's host and the directory it is built from, so an HTTP client of
// http://authentication-service/... calls the service whose main package
// that directory holds.

package staticgraph

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/tracegraph/tracegraph/topology"
)

// composeNames are the file names Compose reads.
var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// composeService is one service of a Compose file: the hosts it answers
// to on the Compose network and the directory its image is built from.
type composeService struct {
	hosts []string
	dir   string // absolute, cleaned
}

// composeFile is the part of a Compose file that names hosts.
type composeFile struct {
	Services map[string]struct {
		Build         any    `yaml:"build"`
		Hostname      string `yaml:"hostname"`
		ContainerName string `yaml:"container_name"`
	} `yaml:"services"`
}

// composeServices reads the Compose files at or below root, skipping what
// the go tool skips (vendor, testdata, names starting with . or _) and
// node_modules. A file that does not parse is named in a note and skipped.
func composeServices(root string) ([]composeService, []string) {
	var out []composeService
	var notes []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "vendor" || name == "testdata" || name == "node_modules" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !slices.Contains(composeNames, name) && !(strings.HasPrefix(name, "docker-compose") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml"))) {
			return nil
		}
		svcs, err := readCompose(p)
		if err != nil {
			rel, _ := filepath.Rel(root, p)
			notes = append(notes, fmt.Sprintf("%s: not read as a Compose file: %v", filepath.ToSlash(rel), err))
			return nil
		}
		out = append(out, svcs...)
		return nil
	})
	return out, notes
}

func readCompose(p string) ([]composeService, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s", oneLineYAML(err))
	}
	var out []composeService
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range f.Services {
			if !yield(k) {
				return
			}
		}
	}) {
		s := f.Services[key]
		var ctx, dockerfile string
		switch b := s.Build.(type) {
		case string:
			ctx = b
		case map[string]any:
			ctx, _ = b["context"].(string)
			dockerfile, _ = b["dockerfile"].(string)
		}
		if ctx == "" || strings.Contains(ctx, "://") || strings.Contains(ctx, "$") || strings.Contains(dockerfile, "$") {
			continue // an image, a remote context or one from a variable: no directory here
		}
		dir := filepath.Clean(filepath.Join(filepath.Dir(p), ctx))
		if dockerfile != "" {
			// The Dockerfile's directory says which part of a wide
			// context the image is (a front end in web/ of a context
			// that also holds a Go service).
			dir = filepath.Dir(filepath.Join(dir, dockerfile))
		}
		hosts := []string{key}
		for _, h := range []string{s.Hostname, s.ContainerName} {
			if h != "" && !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
		out = append(out, composeService{hosts: hosts, dir: dir})
	}
	return out, nil
}

func oneLineYAML(err error) string {
	return strings.Join(strings.Fields(strings.SplitN(err.Error(), "\n", 2)[0]), " ")
}

// hostNames maps each Compose host to the service whose main package is
// built from its directory (the context, or the Dockerfile's directory),
// when exactly one service's main is there and no other Compose service is
// built from it; mainDirs maps a main package's directory to the
// service's name.
func hostNames(compose []composeService, mainDirs map[string]string) map[string]string {
	out := map[string]string{}
	ambiguous := map[string]bool{}
	images := map[string]int{} // directory -> Compose services built from it
	for _, c := range compose {
		images[c.dir]++
	}
	for _, c := range compose {
		if images[c.dir] > 1 {
			// Several services built from one directory: which one a
			// host is depends on how each is built.
			for _, h := range c.hosts {
				ambiguous[h] = true
				delete(out, h)
			}
			continue
		}
		var names []string
		for dir, name := range mainDirs {
			if dir == c.dir || strings.HasPrefix(dir, c.dir+string(filepath.Separator)) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		for _, h := range c.hosts {
			switch {
			case len(names) != 1 || ambiguous[h]:
				ambiguous[h] = true
				delete(out, h)
			case out[h] != "" && out[h] != names[0]:
				ambiguous[h] = true
				delete(out, h)
			default:
				out[h] = names[0]
			}
		}
	}
	return out
}

// namePeers names the HTTP peers of g that are no service by name: by the
// Compose files at or below root and the main packages' directories the
// module results recorded, or by an alias. The tree is walked only when
// some peer needs it.
func namePeers(root string, g *topology.Graph, results []*moduleResult) {
	if !slices.ContainsFunc(g.Endpoints, func(e topology.Endpoint) bool { return e.Peer != "" && g.Service(e.Peer) == nil }) {
		return
	}
	compose, notes := composeServices(root)
	for _, n := range notes {
		g.Diagnostics = append(g.Diagnostics, topology.Diagnostic{Message: n})
	}
	mainDirs := map[string]string{} // directory -> service
	for _, r := range results {
		for _, s := range g.Services {
			if d, ok := r.mainDirs[s.Package]; ok {
				if old, dup := mainDirs[d]; dup && old != s.Name {
					mainDirs[d] = "" // two services in one main: no host names either
					continue
				}
				mainDirs[d] = s.Name
			}
		}
	}
	for d, n := range mainDirs {
		if n == "" {
			delete(mainDirs, d)
		}
	}
	renamePeers(g, hostNames(compose, mainDirs))
}

// renamePeers names each request's peer by the service it is: a Compose
// host, or another name of a service (an alias from services:).
func renamePeers(g *topology.Graph, hosts map[string]string) {
	alias := map[string]string{}
	for _, s := range g.Services {
		for _, a := range s.Aliases {
			alias[a] = s.Name
		}
	}
	for i := range g.Endpoints {
		e := &g.Endpoints[i]
		if e.Peer == "" || g.Service(e.Peer) != nil {
			continue
		}
		if n, ok := hosts[e.Peer]; ok {
			e.Peer = n
		} else if n, ok := alias[e.Peer]; ok {
			e.Peer = n
		}
	}
}
