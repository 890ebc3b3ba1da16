// The terminal's size, updated on resize (Ink redraws; views re-lay themselves out).
import { useEffect, useState } from 'react'
import { useStdout } from 'ink'

/** Columns and rows of stdout (80×24 when it is not a terminal). */
export function useScreenSize(): { columns: number; rows: number } {
  const { stdout } = useStdout()
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 })
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  return size
}
