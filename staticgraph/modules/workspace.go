package modules

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// workspace is what a go.work file lists, once read.
type workspace struct {
	dirs map[string]bool // absolute directories of its use lines
	bad  string          // why it cannot be used; "" when it can
}

// workspaceOf returns the go.work that the go tool would use in m's
// directory, when it is valid and lists m; otherwise "", and the load runs
// with GOWORK=off.
func (p *planner) workspaceOf(m Module) string {
	file := workFile(m.Dir)
	if file == "" {
		return ""
	}
	w := p.works[file]
	if w == nil {
		w = readWorkspace(file)
		p.works[file] = w
		if w.bad != "" {
			p.notes = append(p.notes, fmt.Sprintf("%s is not used: %s; each module is loaded on its own", p.show(file), w.bad))
		}
	}
	if w.bad != "" || !w.dirs[m.Dir] {
		return ""
	}
	return file
}

// workFile finds the go.work that governs dir, as the go tool does: the
// GOWORK variable, else the first go.work at or above dir.
func workFile(dir string) string {
	switch v := os.Getenv("GOWORK"); {
	case v == "off":
		return ""
	case v != "":
		return v // a relative one is refused in readWorkspace, as the go tool does
	}
	for d := dir; ; d = filepath.Dir(d) {
		f := filepath.Join(d, "go.work")
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			return f
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// readWorkspace reads a go.work and checks what the go tool would refuse:
// a use line without a go.mod, two modules with one path.
func readWorkspace(file string) *workspace {
	if !filepath.IsAbs(file) {
		return &workspace{bad: "GOWORK is not an absolute path"}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return &workspace{bad: err.Error()}
	}
	wf, err := modfile.ParseWork(file, data, nil)
	if err != nil {
		return &workspace{bad: firstLine(err.Error())}
	}
	w := &workspace{dirs: map[string]bool{}}
	paths := map[string]string{}
	for _, u := range wf.Use {
		d := u.Path
		if !filepath.IsAbs(d) {
			d = filepath.Join(filepath.Dir(file), d)
		}
		d = filepath.Clean(d)
		mp := modulePath(filepath.Join(d, "go.mod"))
		if mp == "" {
			return &workspace{bad: fmt.Sprintf("its use %s has no go.mod with a module line", u.Path)}
		}
		if other, ok := paths[mp]; ok {
			return &workspace{bad: fmt.Sprintf("its uses %s and %s have the same module path %s", other, u.Path, mp)}
		}
		paths[mp] = u.Path
		w.dirs[d] = true
	}
	return w
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
