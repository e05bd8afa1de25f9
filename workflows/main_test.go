package workflows_test

import (
	"testing"

	"zhucan/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
