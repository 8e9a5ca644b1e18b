package channel

import (
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
)

// MessageTypeOf names T the way go/types prints it (types.TypeString with no
// qualifier): the package path and type name, "github.com/x/shop/catalog.SkuUpdated",
// so that the static analyzer and the running services agree on names.
//
// It agrees with go/types for the types messages are made of (the test
// checks it against go/types): named types, including those of package
// main, whose path is taken from the binary's build info as go/packages
// reports it; pointers, slices, arrays, maps, channels, funcs and struct
// literals; and generic instantiations, whose type arguments follow the
// same rules. Where reflect cannot see what the source said it differs:
// byte and rune print as uint8 and int32, the empty interface as "any",
// an interface's methods in name order, and within a generic type's
// arguments a type from package main is "main.T" and struct and interface
// literals keep the runtime's spelling ("struct { A int }").
func MessageTypeOf[T any]() string {
	return typeString(reflect.TypeFor[T]())
}

func typeString(t reflect.Type) string {
	var b strings.Builder
	writeType(&b, t)
	return b.String()
}

func writeType(b *strings.Builder, t reflect.Type) {
	if t.Name() != "" {
		if pkg := t.PkgPath(); pkg != "" {
			b.WriteString(pkgPath(pkg))
			b.WriteByte('.')
			writeName(b, t.Name())
		} else {
			b.WriteString(t.Name()) // predeclared: int, string, error
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		b.WriteByte('*')
		writeType(b, t.Elem())
	case reflect.Slice:
		b.WriteString("[]")
		writeType(b, t.Elem())
	case reflect.Array:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(t.Len()))
		b.WriteByte(']')
		writeType(b, t.Elem())
	case reflect.Map:
		b.WriteString("map[")
		writeType(b, t.Key())
		b.WriteByte(']')
		writeType(b, t.Elem())
	case reflect.Chan:
		switch t.ChanDir() {
		case reflect.RecvDir:
			b.WriteString("<-chan ")
		case reflect.SendDir:
			b.WriteString("chan<- ")
		default:
			b.WriteString("chan ")
			// go/types parenthesizes a receive-only element so that the
			// text cannot be read as chan<- (chan T).
			if e := t.Elem(); e.Name() == "" && e.Kind() == reflect.Chan && e.ChanDir() == reflect.RecvDir {
				b.WriteByte('(')
				writeType(b, e)
				b.WriteByte(')')
				return
			}
		}
		writeType(b, t.Elem())
	case reflect.Func:
		b.WriteString("func")
		writeSignature(b, t)
	case reflect.Struct:
		b.WriteString("struct{")
		for i := range t.NumField() {
			f := t.Field(i)
			if i > 0 {
				b.WriteString("; ")
			}
			if !f.Anonymous {
				b.WriteString(f.Name)
				b.WriteByte(' ')
			}
			writeType(b, f.Type)
			if f.Tag != "" {
				b.WriteByte(' ')
				b.WriteString(strconv.Quote(string(f.Tag)))
			}
		}
		b.WriteByte('}')
	case reflect.Interface:
		if t.NumMethod() == 0 {
			b.WriteString("any")
			return
		}
		b.WriteString("interface{")
		for i := range t.NumMethod() {
			m := t.Method(i)
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(m.Name)
			writeSignature(b, m.Type)
		}
		b.WriteByte('}')
	default:
		b.WriteString(t.String())
	}
}

func writeSignature(b *strings.Builder, t reflect.Type) {
	b.WriteByte('(')
	for i := range t.NumIn() {
		if i > 0 {
			b.WriteString(", ")
		}
		if t.IsVariadic() && i == t.NumIn()-1 {
			b.WriteString("...")
			writeType(b, t.In(i).Elem())
			continue
		}
		writeType(b, t.In(i))
	}
	b.WriteByte(')')
	switch t.NumOut() {
	case 0:
	case 1:
		b.WriteByte(' ')
		writeType(b, t.Out(0))
	default:
		b.WriteString(" (")
		for i := range t.NumOut() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeType(b, t.Out(i))
		}
		b.WriteByte(')')
	}
}

// writeName writes a defined type's name. The runtime names a generic
// instantiation with its type arguments in the compiler's spelling,
// "Pair[int,*example.com/p.Item]"; go/types separates them with ", ".
// The arguments' own package paths are already full, except that a type
// from package main is "main.T" there, and struct and interface literals
// keep the runtime's spelling ("struct { A int }", "interface {}").
func writeName(b *strings.Builder, name string) {
	open := strings.IndexByte(name, '[')
	if open < 0 {
		b.WriteString(name)
		return
	}
	b.WriteString(name[:open])
	depth := 0
	inQuote := false
	for i := open; i < len(name); i++ {
		c := name[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(name) {
				b.WriteByte(c)
				i++
				c = name[i]
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '[' || c == '(' || c == '{':
			depth++
		case c == ']' || c == ')' || c == '}':
			depth--
		case c == ',' && depth > 0 && i+1 < len(name) && name[i+1] != ' ':
			b.WriteString(", ")
			continue
		}
		b.WriteByte(c)
	}
}

// pkgPath is the import path go/packages reports for a package: the runtime
// calls every main package "main", so its path comes from the build info.
func pkgPath(p string) string {
	if p != "main" {
		return p
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" && !strings.HasSuffix(bi.Path, ".test") {
		return bi.Path
	}
	return p
}
