package ocds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaBase is the URL under which the OCDS 1.1.5 schemas name each other.
const schemaBase = "https://standard.open-contracting.org/schema/1__1__5/"

// Schemas validates releases and packages against the OCDS schemas read
// from a directory (release-schema.json and its companions); nothing is
// fetched from the network.
type Schemas struct {
	release, releasePackage, recordPackage *jsonschema.Schema
}

// LoadSchemas compiles the OCDS schemas found in dir.
func LoadSchemas(dir string) (*Schemas, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, name := range []string{"release-schema.json", "release-package-schema.json", "record-package-schema.json", "versioned-release-validation-schema.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("open OCDS schema: %w", err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("parse OCDS schema %s: %w", name, err)
		}
		if err := c.AddResource(schemaBase+name, doc); err != nil {
			return nil, fmt.Errorf("add OCDS schema %s: %w", name, err)
		}
	}
	var s Schemas
	for _, x := range []struct {
		name string
		dst  **jsonschema.Schema
	}{{"release-schema.json", &s.release}, {"release-package-schema.json", &s.releasePackage}, {"record-package-schema.json", &s.recordPackage}} {
		sch, err := c.Compile(schemaBase + x.name)
		if err != nil {
			return nil, fmt.Errorf("compile OCDS schema %s: %w", x.name, err)
		}
		*x.dst = sch
	}
	return &s, nil
}

func validate(sch *jsonschema.Schema, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return sch.Validate(doc)
}

// ValidateRelease checks one release.
func (s *Schemas) ValidateRelease(r Release) error { return validate(s.release, r) }

// ValidateReleasePackage checks a release package.
func (s *Schemas) ValidateReleasePackage(p ReleasePackage) error {
	return validate(s.releasePackage, p)
}

// ValidateRecordPackage checks a record package.
func (s *Schemas) ValidateRecordPackage(p RecordPackage) error { return validate(s.recordPackage, p) }
